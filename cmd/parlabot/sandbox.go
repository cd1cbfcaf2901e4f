package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/parlabot/parlabot/bot"
	"github.com/parlabot/parlabot/bot/sandbox"
	"github.com/parlabot/parlabot/bot/telegramtest"
	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/consultations/demo"
	"github.com/parlabot/parlabot/i18n"
)

// sandboxDB is the sandbox's own database, so that trying parlabot never
// mixes made-up answers into a real deployment's file.
const sandboxDB = "./parlabot-sandbox.db"

// sandboxAdmin is the clerk persona's Telegram user id in the sandbox.
const sandboxAdmin = 1000

// runSandbox runs the real bot against the in-process Telegram emulator
// and serves a web chat to talk to it, until SIGINT or SIGTERM.
func (m *Main) runSandbox(ctx context.Context, args []string) error {
	var c common
	fs := m.flags("sandbox", &c)
	listen := fs.String("listen", "127.0.0.1:8080", "`address` of the web chat")
	var priv privacy
	m.privacyFlags(fs, &priv, sandboxPrivacy)
	keep, err := m.retentionFlag(fs)
	if err != nil {
		return err
	}
	opt := m.metricsFlag(fs)
	if err := m.parse(fs, args); err != nil {
		return err
	}
	if err := priv.check(); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("sandbox takes no arguments, got %q", fs.Arg(0))
	}
	if !flagSet(fs, "db") && m.Getenv("PARLABOT_DB") == "" {
		c.db = sandboxDB
	}
	msgs, err := i18n.New(c.lang)
	if err != nil {
		return usagef("--lang: %v", err)
	}
	ln, err := listenOn(net.Listen, *listen, "serve the sandbox",
		"is another sandbox running? choose another with --listen 127.0.0.1:8081", "choose another address with --listen")
	if err != nil {
		return err
	}
	defer ln.Close()

	store, err := m.openStore(c)
	if err != nil {
		return storeError("open database", err)
	}
	defer store.Close()
	if err := seedDemo(ctx, store, m.Now()); err != nil {
		return err
	}

	tg := telegramtest.New()
	defer tg.Close()
	log := slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	stopControl := m.serveControlOrWarn(ctx, store, log)
	defer stopControl()
	o, err := m.startOps(ctx, opt, store, log)
	if err != nil {
		return err
	}
	defer o.stop()
	b, err := bot.New(ctx, bot.Config{Token: tg.Token(), APIURL: tg.URL(), Store: store, Messages: msgs, Logger: log, Now: m.Now, PollTimeout: 10 * time.Second,
		Admins: append([]int64{sandboxAdmin}, c.admins...), PrivacyContact: priv.contact, PrivacyURL: priv.url, Retention: time.Duration(*keep), Metrics: o.metrics})
	if err != nil {
		return err
	}
	o.health.running.Store(true)
	botDone := make(chan error, 1)
	go func() { botDone <- b.Run(ctx) }()

	// Server-sent event streams end when the page's context does.
	pageCtx, stopPages := context.WithCancel(context.Background())
	web := &http.Server{
		Handler:           sandbox.New(tg, sandbox.Options{AdminID: sandboxAdmin, BotName: "parlabot"}),
		BaseContext:       func(net.Listener) context.Context { return pageCtx },
		ReadHeaderTimeout: 10 * time.Second,
	}
	webDone := make(chan error, 1)
	go func() { webDone <- web.Serve(ln) }()
	fmt.Fprintf(m.Stdout, "parlabot sandbox: open http://%s in your browser (Ctrl-C to stop)\n", ln.Addr())

	select {
	case <-ctx.Done():
	case err := <-webDone:
		stopPages()
		return fmt.Errorf("web chat stopped: %w", err)
	case err := <-botDone:
		stopPages()
		web.Close()
		return fmt.Errorf("bot stopped: %w", err)
	}
	stopPages()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	web.Shutdown(sctx)
	if err := <-botDone; err != nil {
		return err
	}
	o.stop()
	stopControl()
	return store.Close()
}

// seedDemo imports and opens the reference consultation when the database
// has none, so there is something to answer at once.
func seedDemo(ctx context.Context, store consultations.Store, now time.Time) error {
	all, err := store.Consultations(ctx)
	if err != nil {
		return storeError("read consultations", err)
	}
	if len(all) > 0 {
		return nil
	}
	c, err := demo.Open(now)
	if err != nil {
		return err
	}
	if err := store.PutConsultation(ctx, c); err != nil {
		return storeError("import the demo consultation", err)
	}
	return nil
}
