package main

import (
	"flag"
	"net"

	"github.com/parlabot/parlabot/bot"
)

// webhookFlags are run's flags for taking updates by webhook.
type webhookFlags struct {
	url, listen, secret string
}

func (w *webhookFlags) register(m *Main, fs *flag.FlagSet) {
	fs.StringVar(&w.url, "webhook-url", m.env("PARLABOT_WEBHOOK_URL", ""), "https `URL` Telegram posts updates to, such as https://bot.example.org/telegram; without it the bot long-polls (PARLABOT_WEBHOOK_URL)")
	fs.StringVar(&w.listen, "listen", m.env("PARLABOT_LISTEN", ""), "`address` the webhook server listens on, behind your TLS proxy (default "+bot.DefaultListen+"; PARLABOT_LISTEN)")
	fs.StringVar(&w.secret, "webhook-secret", m.env("PARLABOT_WEBHOOK_SECRET", ""), "`token` Telegram sends with every update, 1 to 256 of A-Z a-z 0-9 _ -; made once and kept in the database when not given (PARLABOT_WEBHOOK_SECRET)")
}

// check refuses webhook settings that cannot work, naming the flag.
func (w *webhookFlags) check() error {
	if w.url == "" {
		if w.listen != "" || w.secret != "" {
			return usagef("--listen and --webhook-secret are for webhook mode: add --webhook-url with the https URL Telegram should post updates to")
		}
		return nil
	}
	if !bot.ValidWebhookURL(w.url) {
		return usagef("--webhook-url %q: give the https URL Telegram should post updates to, such as https://bot.example.org/telegram", w.url)
	}
	if w.secret != "" && !bot.ValidWebhookSecret(w.secret) {
		return usagef("--webhook-secret: use 1 to 256 letters, digits, _ or - (or leave it out to have one made and kept in the database)")
	}
	if w.listen == "" {
		w.listen = bot.DefaultListen
	}
	return nil
}

// configure sets the bot to take updates by webhook, listening now so that
// a busy port is reported before the bot starts.
func (w *webhookFlags) configure(m *Main, cfg *bot.Config) error {
	if w.url == "" {
		return nil
	}
	listen := m.Listen
	if listen == nil {
		listen = net.Listen
	}
	ln, err := listenOn(listen, w.listen, "listen for the webhook",
		"choose another with --listen", "choose another address with --listen")
	if err != nil {
		return err
	}
	cfg.WebhookURL, cfg.WebhookSecret, cfg.Listener = w.url, w.secret, ln
	return nil
}
