package bot

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/consultations/chart"
)

// chartLabels are a chart's words and number formats in lang.
func (b *Bot) chartLabels(lang, title string, m consultations.Measure) chart.Labels {
	return chart.Labels{
		Title:    title,
		Count:    func(n int) string { return "n = " + b.msg.Number(lang, n) },
		Percent:  func(f float64) string { return b.percent(lang, f, 1) },
		Number:   func(f float64) string { return b.indicatorValue(lang, m, f, 1) },
		Baseline: b.msg.T(lang, "results_baseline", nil),
		Target:   b.msg.T(lang, "results_target", nil),
		Current:  b.msg.T(lang, "results_this_wave", nil),
	}
}

// sendCharts sends the clerk the indicators across waves and the
// distribution of each question's answers, as pictures.
func (b *Bot) sendCharts(ctx context.Context, t *turn, c *consultations.Consultation, r *consultations.Report) {
	for _, ind := range r.Indicators {
		if ind.Value == nil {
			continue
		}
		png, err := chart.Indicator(ind, b.chartLabels(t.lang, b.indicatorName(c, ind, t.lang), ind.Measure))
		if err != nil {
			b.log.Warn("draw indicator chart", "indicator", ind.ID, "err", err)
			continue
		}
		b.sendPhoto(ctx, t.chatID, "indicator-"+ind.ID+".png", png)
	}
	for _, qs := range r.Questions {
		q := c.Question(qs.ID)
		if q == nil || qs.Summary == nil || qs.N == 0 || q.Kind == consultations.KindText {
			continue
		}
		labels := map[string]string{}
		for _, o := range q.Options {
			labels[o.ID] = o.Text.In(t.lang, c.DefaultLanguage)
		}
		png, err := chart.Distribution(qs, labels, b.chartLabels(t.lang, q.Text.In(t.lang, c.DefaultLanguage), consultations.MeasureMean))
		if err != nil {
			b.log.Warn("draw distribution chart", "question", q.ID, "err", err)
			continue
		}
		b.sendPhoto(ctx, t.chatID, "question-"+q.ID+".png", png)
	}
}

// sendPhoto uploads a PNG to a chat.
func (b *Bot) sendPhoto(ctx context.Context, chatID int64, name string, png []byte) {
	err := b.retry(ctx, "sendPhoto", func() error {
		_, err := b.tg.SendPhoto(ctx, &tgbot.SendPhotoParams{
			ChatID: chatID,
			Photo:  &models.InputFileUpload{Filename: name, Data: bytes.NewReader(png)},
		})
		return err
	})
	if err != nil {
		b.log.Error("send chart", "chart", name, "err", err)
	}
}

// publish sends a closed consultation's summary to everyone who answered
// it, in their language, after the clerk confirms: /publish <slug>.
// markPublished records that the consultation's results are published, as
// of now, reading it again under the lock that serialises changes to
// consultations, so that an /open meanwhile is neither undone nor published
// over: it returns nil when the consultation is no longer closed.
func (b *Bot) markPublished(ctx context.Context, slug string) (*consultations.Consultation, error) {
	b.consultationMu.Lock()
	defer b.consultationMu.Unlock()
	c, err := b.store.Consultation(ctx, slug)
	if err != nil {
		return nil, err
	}
	if c.StatusAt(b.now()) != consultations.StatusClosed {
		return nil, nil
	}
	c.Published = b.now()
	return c, b.store.PutConsultation(ctx, c)
}

func (b *Bot) publish(ctx context.Context, t *turn) error {
	slug := strings.TrimSpace(t.args)
	if slug == "" {
		b.send(ctx, t.chatID, b.msg.T(t.lang, "publish_usage", nil), nil)
		return nil
	}
	c, err := b.store.Consultation(ctx, slug)
	if consultations.ErrorCode(err) == consultations.ENOTFOUND {
		b.send(ctx, t.chatID, b.msg.T(t.lang, "results_unknown", nil), nil)
		return nil
	}
	if err != nil {
		return err
	}
	if c.StatusAt(b.now()) != consultations.StatusClosed {
		b.send(ctx, t.chatID, b.msg.T(t.lang, "publish_not_closed", nil)+" <code>/close "+slug+"</code>", nil)
		return nil
	}
	r, err := b.report(ctx, c)
	if err != nil {
		return err
	}
	recipients, err := b.respondents(ctx, c)
	if err != nil {
		return err
	}
	if c, err = b.markPublished(ctx, slug); err != nil {
		return err
	}
	if c == nil { // reopened meanwhile
		b.send(ctx, t.chatID, b.msg.T(t.lang, "publish_not_closed", nil)+" <code>/close "+slug+"</code>", nil)
		return nil
	}
	b.audit(ctx, t, "publish", c.Slug, fmt.Sprintf("%d respondents", len(recipients)), true)
	preview := b.publicSummary(c, r, t.lang)
	if len(recipients) == 0 {
		b.send(ctx, t.chatID, preview.text+"\n\n"+b.msg.T(t.lang, "publish_nobody", nil), nil)
		return nil
	}
	bc := &consultations.Broadcast{Kind: consultations.BroadcastResults, Consultation: c.Slug, By: t.citizen.UserID,
		ChatID: t.chatID, State: consultations.BroadcastPlanned, Created: b.now()}
	if err := b.store.CreateBroadcast(ctx, bc, recipients); err != nil {
		return err
	}
	id := strconv.FormatUint(bc.ID, 10)
	b.send(ctx, t.chatID, preview.text+"\n\n"+b.msg.N(t.lang, "publish_plan", bc.Total, nil), keyboard([]models.InlineKeyboardButton{
		btn(b.msg.T(t.lang, "broadcast_button_send", nil), encodeCallback(actBroadcast, id, "y")),
		btn(b.msg.T(t.lang, "broadcast_button_cancel", nil), encodeCallback(actBroadcast, id, "n")),
	}))
	return nil
}

// respondents are the citizens who completed the consultation, each in
// their language. Responses know citizens only by pseudonym, so each
// citizen's pseudonym is computed and looked up.
func (b *Bot) respondents(ctx context.Context, c *consultations.Consultation) ([]consultations.Delivery, error) {
	var citizens []*consultations.Citizen
	if err := b.store.EachCitizen(ctx, func(ct *consultations.Citizen) error {
		citizens = append(citizens, ct)
		return nil
	}); err != nil {
		return nil, err
	}
	var out []consultations.Delivery
	for _, ct := range citizens {
		r, err := b.store.Response(ctx, c.Slug, consultations.Pseudonym(b.key, ct.UserID))
		switch {
		case consultations.ErrorCode(err) == consultations.ENOTFOUND:
			continue
		case err != nil:
			return nil, err
		case !r.IsCompleted():
			continue
		}
		out = append(out, consultations.Delivery{UserID: ct.UserID, ChatID: ct.ChatID, Language: ct.Language})
	}
	return out, nil
}
