// Package bot is parlabot's Telegram adapter: it takes updates from the Bot
// API, walks citizens through consultations one question at a time, and
// stores every answer before acknowledging it.
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/i18n"
)

// DefaultAPIURL is Telegram's Bot API server.
const DefaultAPIURL = "https://api.telegram.org"

// Config is what a Bot needs: where Telegram is, where data lives, and how
// to talk.
type Config struct {
	Token    string
	APIURL   string // DefaultAPIURL when empty
	Store    consultations.Store
	Messages *i18n.Bundle
	Logger   *slog.Logger
	// Now is the clock; time.Now when nil. Tests inject their own.
	Now func() time.Time
	// PollTimeout is how long one getUpdates call waits for updates (default 50s).
	PollTimeout time.Duration
	// Workers is how many citizens' updates are handled at once (default
	// 100, as many as one getUpdates batch holds, so that no citizen waits
	// behind another's updates in a batch; with 32, about 10% fewer taps/s
	// under load). One citizen's updates are always handled in order.
	Workers int
	// HTTPClient is used for every call to the Bot API; clients with
	// sensible timeouts when nil (see CallTimeout).
	HTTPClient *http.Client
	// CallTimeout is how long a call to Telegram waits for its answer once
	// sent (beyond PollTimeout for getUpdates) before it is given up and
	// tried again (default 20s).
	CallTimeout time.Duration
	// Admins are the Telegram user ids with the admin role.
	Admins []int64
	// BroadcastRate is the most broadcast messages sent per second, all
	// chats together (default 25; Telegram allows about 30).
	BroadcastRate float64
	// MaxDocumentBytes is the largest file sent in chat (default 50 MB,
	// Telegram's limit for bots); a bigger export goes zipped, or, if
	// still too big, the staff member is pointed to the command line.
	MaxDocumentBytes int64
	// PrivacyContact is who is responsible for citizens' data, as the
	// privacy notice names them ("Oficina de Transparencia,
	// privacidad@congreso.example"); the notice leaves the line out when empty.
	PrivacyContact string
	// PrivacyURL is the full privacy policy, linked from the notice; left
	// out when empty.
	PrivacyURL string
	// Retention is how long after a consultation closes its responses stay
	// linked to the citizens who gave them (0: for as long as the database
	// keeps them); see applyRetention.
	Retention time.Duration
	// RateLimit is how many updates one citizen may send within
	// RateWindow; past it they are asked once to slow down and their
	// updates are dropped until they do (defaults: 20 in 10 s; negative:
	// no limit). StaffRateLimit is the same for staff (default 60).
	RateLimit      int
	StaffRateLimit int
	RateWindow     time.Duration
	// Metrics counts what the bot does, for Prometheus; nil counts nothing.
	Metrics *Metrics

	// WebhookURL, when set, has Telegram post updates to this https URL
	// (served on Listen, usually behind a TLS proxy) instead of the bot
	// polling for them.
	WebhookURL string
	// WebhookSecret is the token Telegram sends with every webhook
	// request; when empty, one is made once and kept in the database.
	WebhookSecret string
	// Listen is the address the webhook server listens on (DefaultListen
	// when empty); Listener, when set, is served instead.
	Listen   string
	Listener net.Listener
}

// Bot is the Telegram side of parlabot.
type Bot struct {
	tg      *tgbot.Bot
	api     *apiClient
	store   consultations.Store
	msg     *i18n.Bundle
	log     *slog.Logger
	now     func() time.Time
	workers int
	key     []byte // keys participants' pseudonyms
	// pollTimeout is how long one getUpdates call waits.
	pollTimeout time.Duration
	retention   time.Duration // Config.Retention

	slugsMu sync.Mutex
	slugs   map[string]string // callback key -> consultation slug

	roles     *roles
	staffCmds []staffCommand // in the order staff menus show them
	bcast     *broadcaster   // sends broadcasts from their outbox
	exports   *exporter      // prepares /export files in the background
	flood     *floodGate     // the per-sender rate limit; nil: none
	metrics   *Metrics       // nil: not counted

	// consultationMu serialises the bot's changes to consultations (the
	// scheduler, /open, /close, imports, /new, /publish), so that none
	// undoes another between its read and its write.
	consultationMu sync.Mutex

	// privacyContact and privacyURL complete the privacy notice.
	privacyContact, privacyURL string

	// recorded holds the ids of updates in hand whose handler committed
	// them with its changes, so the intake doesn't record them again.
	recorded sync.Map

	hook   *webhook // nil when polling
	faults faults   // database failures: admins' alerts, apologies
	// held holds, by sender, the ids of updates in hand that changed
	// nothing, to be recorded before a later one of theirs changes
	// something (see holdUnrecorded).
	held sync.Map
}

// New prepares a Bot; it talks to Telegram only once Run is called.
func New(ctx context.Context, cfg Config) (*Bot, error) {
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, consultations.Errorf(consultations.EINVALID, "no Telegram token: pass --token or set TELEGRAM_BOT_TOKEN (get one from @BotFather)")
	}
	if cfg.Store == nil || cfg.Messages == nil {
		return nil, errors.New("bot: Store and Messages are required")
	}
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Logger = slog.New(redactToken(cfg.Logger.Handler(), cfg.Token))
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = 50 * time.Second
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 100
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = 20 * time.Second
	}
	pollClient, callClient := cfg.HTTPClient, cfg.HTTPClient
	if cfg.HTTPClient == nil {
		pollClient, callClient = telegramClients(cfg.PollTimeout, cfg.CallTimeout)
	}
	key, err := cfg.Store.Secret(ctx, consultations.PseudonymKey)
	if err != nil {
		return nil, fmt.Errorf("read pseudonym key: %w", err)
	}
	b := &Bot{
		api:         &apiClient{url: strings.TrimRight(cfg.APIURL, "/"), token: cfg.Token, http: pollClient},
		store:       faultTagger{cfg.Store},
		msg:         cfg.Messages,
		log:         cfg.Logger,
		now:         cfg.Now,
		workers:     cfg.Workers,
		pollTimeout: cfg.PollTimeout,
		key:         key,
		retention:   cfg.Retention,
		slugs:       map[string]string{},
		roles:       &roles{admins: map[int64]bool{}, granted: map[int64][]consultations.Role{}},

		privacyContact: strings.TrimSpace(cfg.PrivacyContact),
		privacyURL:     strings.TrimSpace(cfg.PrivacyURL),
		flood:          newFloodGate(cfg.RateLimit, cfg.StaffRateLimit, cfg.RateWindow),
		metrics:        cfg.Metrics,
	}
	if cfg.WebhookURL != "" {
		if b.hook, err = newWebhook(ctx, cfg); err != nil {
			return nil, err
		}
	}
	b.bcast = newBroadcaster(b, cfg.BroadcastRate)
	b.exports = newExporter(cfg.MaxDocumentBytes)
	for _, id := range cfg.Admins {
		b.roles.admins[id] = true
	}
	granted, err := cfg.Store.StaffRoles(ctx)
	if err != nil {
		return nil, fmt.Errorf("read staff roles: %w", err)
	}
	for id, rs := range granted {
		b.roles.set(id, rs)
	}
	b.tg, err = tgbot.New(cfg.Token,
		tgbot.WithServerURL(b.api.url),
		tgbot.WithHTTPClient(cfg.PollTimeout, callClient),
		tgbot.WithSkipGetMe(),
		tgbot.WithNotAsyncHandlers(),
		tgbot.WithDefaultHandler(b.on(b.requireConsent(b.fallback))),
		tgbot.WithErrorsHandler(func(err error) { b.log.Warn("telegram client", "err", err) }),
	)
	if err != nil {
		return nil, fmt.Errorf("create telegram client: %w", err)
	}
	b.routes()
	return b, nil
}

// routes registers every command and button the bot answers, on one screen.
func (b *Bot) routes() {
	// Citizens: every handler registered with command or button sits
	// behind the consent gate; privacyRoutes are what comes before it.
	b.privacyRoutes()
	b.command("start", b.start)
	b.command("help", b.help)
	b.command("cancel", b.cancel)
	b.command("subscribe", b.subscribe)
	b.command("stop", b.unsubscribe)
	b.command("results", b.results) // staff: any consultation; citizens: published ones
	b.command("mydata", b.myData)
	b.command("forget", b.askForget)

	b.button(actOpen, b.openFromList)
	b.button(actBegin, b.begin)
	b.button(actAnswer, b.answer)
	b.button(actToggle, b.toggle)
	b.button(actConfirm, b.confirm)
	b.button(actSkip, b.skip)
	b.button(actBack, b.back)
	b.button(actList, b.list)
	b.button(actSubscribe, b.answerSubscribe)
	b.button(actResults, b.showPublished)
	b.button(actForget, b.forget)

	// Staff: every handler below sits behind the one role gate.
	b.staffCommand("grant", adminsOnly, b.grant)
	b.staffCommand("revoke", adminsOnly, b.revoke)
	b.staffCommand("audit", adminsOnly, b.auditLog)
	b.authoringRoutes()
	b.broadcastRoutes()
	b.staffCommand("publish", clerks, b.publish)
	b.exportRoutes()
}

// citizenCommands are the commands shown in a citizen's menu, in order.
var citizenCommands = []string{"start", "results", "language", "subscribe", "stop", "mydata", "forget", "privacy", "help", "cancel"}

// Run takes updates from Telegram, by long polling or by webhook, until ctx
// ends, then finishes the updates in hand and returns.
func (b *Bot) Run(ctx context.Context) error {
	me, err := b.tg.GetMe(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped while starting
		}
		if errors.Is(err, tgbot.ErrorUnauthorized) || errors.Is(err, tgbot.ErrorNotFound) {
			return consultations.Errorf(consultations.EINVALID, "Telegram refused the token: check --token or TELEGRAM_BOT_TOKEN (from @BotFather)")
		}
		cause := err
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			cause = ue.Err // the library's wording, and the URL with the token, add nothing
		}
		return consultations.Errorf(consultations.EINTERNAL, "cannot reach Telegram at %s (%v); check the network, or --api-url", b.api.url, cause)
	}
	b.log.Info("parlabot is running", "bot", "@"+me.Username, "api", b.api.url)
	var ln net.Listener
	if b.hook != nil {
		if ln, err = b.hook.listener(); err != nil {
			return err
		}
	} else if _, err := b.tg.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{}); err != nil {
		b.log.Warn("delete webhook", "err", err)
	}
	b.setCommands(ctx)
	for _, id := range b.roles.staff() {
		b.setStaffMenu(ctx, id)
	}
	sched := b.StartScheduler(ctx)
	defer func() { <-sched }()
	b.StartBroadcaster(ctx)
	defer b.waitBroadcaster()
	b.startExports(ctx)
	defer b.waitExports()
	if b.hook != nil {
		return b.serveWebhook(ctx, ln)
	}
	return b.poll(ctx)
}

// setCommands publishes the citizens' command menu in each language.
func (b *Bot) setCommands(ctx context.Context) {
	for _, lang := range i18n.Languages {
		var cmds []models.BotCommand
		for _, c := range citizenCommands {
			cmds = append(cmds, models.BotCommand{Command: c, Description: b.msg.T(lang, "command_"+c, nil)})
		}
		params := &tgbot.SetMyCommandsParams{Commands: cmds, Scope: &models.BotCommandScopeAllPrivateChats{}}
		if lang != b.msg.Default() {
			params.LanguageCode = lang
		}
		if _, err := b.tg.SetMyCommands(ctx, params); err != nil {
			b.log.Warn("set commands", "lang", lang, "err", err)
		}
		if lang == b.msg.Default() {
			params.LanguageCode = lang
			if _, err := b.tg.SetMyCommands(ctx, params); err != nil {
				b.log.Warn("set commands", "lang", lang, "err", err)
			}
		}
	}
}
