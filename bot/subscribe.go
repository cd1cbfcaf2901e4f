package bot

import (
	"context"

	"github.com/go-telegram/bot/models"
)

// askSubscribe asks a citizen, once, whether to hear about new
// consultations. Nothing is sent to anyone who hasn't said yes.
func (b *Bot) askSubscribe(ctx context.Context, t *turn) error {
	if t.citizen.SubscribeAsked {
		return nil
	}
	t.citizen.SubscribeAsked = true
	if err := b.commit(ctx, t, nil); err != nil {
		return err
	}
	b.send(ctx, t.chatID, b.msg.T(t.lang, "subscribe_ask", nil), keyboard(
		[]models.InlineKeyboardButton{btn(b.msg.T(t.lang, "subscribe_yes", nil), encodeCallback(actSubscribe, "1"))},
		[]models.InlineKeyboardButton{btn(b.msg.T(t.lang, "subscribe_no", nil), encodeCallback(actSubscribe, "0"))},
	))
	return nil
}

// answerSubscribe records the citizen's answer to the question.
func (b *Bot) answerSubscribe(ctx context.Context, t *turn) error {
	yes := t.cb.Args[0] == "1"
	if err := b.setSubscribed(ctx, t, yes); err != nil {
		return err
	}
	key := "unsubscribed"
	if yes {
		key = "subscribed"
	}
	b.show(ctx, t.chatID, t.messageID, b.msg.T(t.lang, key, nil), nil)
	return nil
}

// subscribe turns news of new consultations on: /subscribe.
func (b *Bot) subscribe(ctx context.Context, t *turn) error {
	if err := b.setSubscribed(ctx, t, true); err != nil {
		return err
	}
	b.send(ctx, t.chatID, b.msg.T(t.lang, "subscribed", nil), nil)
	return nil
}

// unsubscribe turns news off: /stop.
func (b *Bot) unsubscribe(ctx context.Context, t *turn) error {
	if err := b.setSubscribed(ctx, t, false); err != nil {
		return err
	}
	b.send(ctx, t.chatID, b.msg.T(t.lang, "unsubscribed", nil), nil)
	return nil
}

func (b *Bot) setSubscribed(ctx context.Context, t *turn, on bool) error {
	t.citizen.Subscribed, t.citizen.SubscribeAsked = on, true
	return b.commit(ctx, t, nil)
}
