// Package telegramtest is an in-process fake of the Telegram Bot API, served
// by net/http/httptest, so that parlabot's tests drive the bot end to end
// through the real go-telegram/bot client and assert what a citizen would see.
// The same fake backs `parlabot sandbox`, where a local web chat plays the
// citizens.
//
// A test starts a Server, points the client at it and plays citizens:
//
//	srv := telegramtest.New()
//	defer srv.Close()
//	b, _ := bot.New(srv.Token(), bot.WithServerURL(srv.URL()), bot.WithSkipGetMe())
//	// ... start the bot's polling loop ...
//	ana := srv.User(1001, "es")
//	if err := ana.SendWait(ctx, "/start"); err != nil { ... }
//	if err := ana.TapWait(ctx, "Sí"); err != nil { ... }
//	got := ana.Last().Plain
//
// The server speaks the Bot API the way Telegram does where the bot could tell
// the difference: every method at /bot<token>/<method> accepts
// multipart/form-data, URL-encoded and JSON bodies; replies are
// {"ok":true,"result":...} or {"ok":false,"error_code":...,"description":...};
// texts, parse modes (HTML and MarkdownV2) and inline keyboards are validated
// with Telegram's error messages, so a bot that forgets to escape user text
// fails here as it would in production. It is stricter than Telegram in one
// place: in HTML a bare '&' that does not start an entity is rejected
// (Telegram shows it literally), because it always means unescaped text.
//
// Updates are queued by citizens (User.Send, User.Tap) or raw (Push,
// PushRaw) and served by getUpdates with Telegram's offset confirmation.
// WaitConfirmed blocks until the bot has confirmed an update; a bot that
// confirms an update only after handling it has then made all its calls.
// (go-telegram/bot's Bot.Start confirms before its handlers run, so a bot
// tested this way polls with its own loop and Bot.ProcessUpdate.)
//
// While the bot has a webhook set (setWebhook), updates are posted to it
// instead, with the secret token header, as Telegram does: each chat's
// updates in order, the next once the previous got a 2xx answer, different
// chats at once up to max_connections; an update the webhook fails is posted
// again after a short pause. Confirmed then means answered with 2xx, so
// SendWait, TapWait, WaitConfirmed and WaitIdle work the same in both modes,
// and getUpdates answers 409 meanwhile. The fake posts only to loopback
// addresses, where it accepts plain HTTP on any port; Deliveries lists the
// attempts.
//
// Every request is recorded (Calls), faults can be injected per method
// (Fail for error answers, Hang for calls that get no answer), and Subscribe streams chat changes to an observer such as the
// sandbox's web chat. For load, `parlabot loadtest` plays thousands of
// citizens: Observe tells it of every change and confirmation as it
// happens, and RecordCalls(false) keeps memory flat. All methods of Server
// and User are safe for concurrent use.
package telegramtest
