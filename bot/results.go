package bot

import (
	"context"
	"fmt"
	"html"
	"math"
	"strings"

	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/consultations"
)

// report builds a consultation's report from the store's running tallies,
// with the other waves of its commitment.
func (b *Bot) report(ctx context.Context, c *consultations.Consultation) (*consultations.Report, error) {
	return consultations.ReportFrom(ctx, b.store, c, b.now())
}

// percent writes a share (0.42) as people read it in lang: "42 %" in es
// and fr, "42%" in pt and en; digits > 0 adds decimals.
func (b *Bot) percent(lang string, share float64, digits int) string {
	v := share * 100
	s := fmt.Sprintf("%.*f", digits, v)
	if lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	if lang == "es" || lang == "fr" {
		return s + "\u00a0%"
	}
	return s + "%"
}

// indicatorValue writes an indicator's value in its measure's terms.
func (b *Bot) indicatorValue(lang string, m consultations.Measure, v float64, digits int) string {
	switch m {
	case consultations.MeasureMean:
		s := fmt.Sprintf("%.*f", digits+1, v)
		if lang != "en" {
			s = strings.Replace(s, ".", ",", 1)
		}
		return s
	case consultations.MeasureNPS:
		return fmt.Sprintf("%+d", int(math.Round(v*100)))
	default:
		return b.percent(lang, v, digits)
	}
}

// indicatorName is what an indicator measures, for people: its question's
// text and, for a share, the option counted.
func (b *Bot) indicatorName(c *consultations.Consultation, ind consultations.IndicatorReport, lang string) string {
	q := c.Question(ind.Question)
	if q == nil {
		return ind.ID
	}
	name := q.Text.In(lang, c.DefaultLanguage)
	switch ind.Measure {
	case consultations.MeasureTop2Box:
		return b.msg.T(lang, "results_top2box", nil) + " — " + name
	case consultations.MeasureShare:
		if o := q.Option(ind.Option); o != nil {
			return "«" + o.Text.In(lang, c.DefaultLanguage) + "» — " + name
		}
	case consultations.MeasureNPS:
		return "NPS — " + name
	case consultations.MeasureMean:
		return b.msg.T(lang, "results_mean", nil) + " — " + name
	}
	return name
}

// staffSummary is the short summary a clerk can forward: the headline
// indicator against its target, n and margin of error, the other
// indicators, and the top themes of text answers.
func (b *Bot) staffSummary(c *consultations.Consultation, r *consultations.Report, lang string) string {
	var sb strings.Builder
	sb.WriteString("📊 <b>" + html.EscapeString(c.Title.In(lang, c.DefaultLanguage)) + "</b>\n")
	sb.WriteString(b.msg.T(lang, "results_participation", map[string]any{
		"N": b.msg.Number(lang, r.Participation.Completed), "Total": b.msg.Number(lang, r.Participation.Started),
	}))
	sb.WriteString(" (" + b.percent(lang, r.Participation.CompletionRate, 0) + ")\n")
	for i, ind := range r.Indicators {
		sb.WriteString("\n")
		name := html.EscapeString(b.indicatorName(c, ind, lang))
		if i == 0 {
			name = "<b>" + name + "</b>"
		}
		sb.WriteString(name + "\n")
		if ind.Value == nil {
			sb.WriteString(b.msg.T(lang, "results_no_answers", nil) + "\n")
			continue
		}
		v := ind.Value
		moe := (v.High - v.Low) / 2
		sb.WriteString(b.msg.T(lang, "results_indicator", map[string]any{
			"Value":    b.indicatorValue(lang, ind.Measure, v.Value, 1),
			"Target":   b.indicatorValue(lang, ind.Measure, ind.Target, 0),
			"Baseline": b.indicatorValue(lang, ind.Measure, ind.Baseline, 0),
			"N":        b.msg.Number(lang, ind.N),
			"Margin":   "±" + b.indicatorValue(lang, ind.Measure, moe, 1),
		}))
		if ind.Progress != nil {
			sb.WriteString(" · " + b.msg.T(lang, "results_progress", map[string]any{"Progress": fmt.Sprintf("%.0f", *ind.Progress)}))
		}
		sb.WriteString("\n")
	}
	for _, q := range r.Questions {
		if q.Summary == nil || len(q.Terms) == 0 {
			continue
		}
		var terms []string
		for i, t := range q.Terms {
			if i == 5 {
				break
			}
			terms = append(terms, html.EscapeString(t.Term))
		}
		sb.WriteString("\n" + b.msg.T(lang, "results_themes", nil) + " " + strings.Join(terms, ", ") + "\n")
	}
	return strings.TrimRight(sb.String(), "\n")
}

// publicSummary is what citizens receive when a clerk publishes the
// results: how many took part and each indicator in plain words.
func (b *Bot) publicSummary(c *consultations.Consultation, r *consultations.Report, lang string) screen {
	var sb strings.Builder
	sb.WriteString("📣 <b>" + html.EscapeString(c.Title.In(lang, c.DefaultLanguage)) + "</b>\n\n")
	sb.WriteString(b.msg.N(lang, "results_public_intro", r.Participation.Completed, nil) + "\n")
	for _, ind := range r.Indicators {
		if ind.Value == nil {
			continue
		}
		sb.WriteString("\n• " + html.EscapeString(b.indicatorName(c, ind, lang)) + ": <b>" +
			b.indicatorValue(lang, ind.Measure, ind.Value.Value, 0) + "</b> (" +
			b.msg.T(lang, "results_public_target", map[string]any{"Target": b.indicatorValue(lang, ind.Measure, ind.Target, 0)}) + ")")
	}
	sb.WriteString("\n\n" + b.msg.T(lang, "results_public_thanks", nil))
	return screen{text: sb.String()}
}

// results: staff with a slug get the summary and charts of any
// consultation; everyone else gets the published results.
func (b *Bot) results(ctx context.Context, t *turn) error {
	if t.args != "" && b.roles.may(t.citizen.UserID, readResults) {
		return b.staffResults(ctx, t, t.args)
	}
	return b.publishedResults(ctx, t)
}

// staffResults sends a clerk the summary of a consultation, and its charts.
func (b *Bot) staffResults(ctx context.Context, t *turn, slug string) error {
	c, err := b.store.Consultation(ctx, slug)
	if consultations.ErrorCode(err) == consultations.ENOTFOUND {
		b.send(ctx, t.chatID, b.msg.T(t.lang, "results_unknown", nil), nil)
		return nil
	}
	if err != nil {
		return err
	}
	r, err := b.report(ctx, c)
	if err != nil {
		return err
	}
	b.send(ctx, t.chatID, b.staffSummary(c, r, t.lang), nil)
	b.sendCharts(ctx, t, c, r)
	return nil
}

// publishedResults lists the consultations whose results were published,
// or shows one.
func (b *Bot) publishedResults(ctx context.Context, t *turn) error {
	all, err := b.store.Consultations(ctx)
	if err != nil {
		return err
	}
	var rows [][]models.InlineKeyboardButton
	for _, c := range all {
		if !c.Published.IsZero() {
			rows = append(rows, []models.InlineKeyboardButton{btn(c.Title.In(t.lang, c.DefaultLanguage), encodeCallback(actResults, slugKey(c.Slug)))})
		}
	}
	if len(rows) == 0 {
		b.send(ctx, t.chatID, b.msg.T(t.lang, "results_none_published", nil), nil)
		return nil
	}
	b.send(ctx, t.chatID, b.msg.T(t.lang, "results_published_list", nil), keyboard(rows...))
	return nil
}

// showPublished shows a published summary in place of the list.
func (b *Bot) showPublished(ctx context.Context, t *turn) error {
	c, err := b.consultationByKey(ctx, t.cb.Args[0])
	if err != nil {
		return err
	}
	if c == nil || c.Published.IsZero() {
		b.answerQuery(ctx, t, b.msg.T(t.lang, "stale_button", nil))
		return nil
	}
	r, err := b.report(ctx, c)
	if err != nil {
		return err
	}
	sc := b.publicSummary(c, r, t.lang)
	b.show(ctx, t.chatID, t.messageID, sc.text, sc.kb)
	return nil
}
