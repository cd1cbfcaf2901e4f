package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/parlabot/parlabot/bot"
	"github.com/parlabot/parlabot/i18n"
)

// runBot starts the bot and runs it until SIGINT or SIGTERM, then finishes
// the updates in hand, closes the database and returns.
func (m *Main) runBot(ctx context.Context, args []string) error {
	var c common
	fs := m.flags("run", &c)
	rate := fs.Float64("broadcast-rate", 25, "most broadcast `messages` per second, all chats together")
	var priv privacy
	m.privacyFlags(fs, &priv, privacy{})
	keep, err := m.retentionFlag(fs)
	if err != nil {
		return err
	}
	opt, err := m.opsFlags(fs)
	if err != nil {
		return err
	}
	var hook webhookFlags
	hook.register(m, fs)
	if err := m.parse(fs, args); err != nil {
		return err
	}
	if err := priv.check(); err != nil {
		return err
	}
	if err := opt.check(fs); err != nil {
		return err
	}
	if err := hook.check(); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("run takes no arguments, got %q", fs.Arg(0))
	}
	if *rate <= 0 || *rate > 30 {
		return usagef("--broadcast-rate %v: use a rate above 0 and at most 30 (Telegram's limit is about 30 messages per second)", *rate)
	}
	if c.token == "" {
		return usagef("run needs a Telegram bot token: pass --token or set TELEGRAM_BOT_TOKEN (create a bot with @BotFather to get one)")
	}
	msgs, err := i18n.New(c.lang)
	if err != nil {
		return usagef("--lang: %v", err)
	}
	defer m.cpuProfile()()
	m.tuneGC()
	store, err := m.openStore(c)
	if err != nil {
		return storeError("open database", err)
	}
	defer store.Close()
	log := m.logger()
	stopControl := m.serveControlOrWarn(ctx, store, log)
	defer stopControl()
	o, err := m.startOps(ctx, opt, store, log)
	if err != nil {
		return err
	}
	defer o.stop()
	cfg := bot.Config{Token: c.token, APIURL: c.apiURL, Store: store, Messages: msgs, Logger: log, Now: m.Now, Admins: c.admins, BroadcastRate: *rate,
		PrivacyContact: priv.contact, PrivacyURL: priv.url, Retention: time.Duration(*keep), Metrics: o.metrics}
	if err := hook.configure(m, &cfg); err != nil {
		return err
	}
	b, err := bot.New(ctx, cfg)
	if err != nil {
		if cfg.Listener != nil {
			cfg.Listener.Close()
		}
		return err
	}
	priv.warn(log)
	o.health.running.Store(true)
	if err := b.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	o.health.running.Store(false)
	log.Info("parlabot stopped")
	o.stop()
	stopControl()
	if err := store.Close(); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	return nil
}
