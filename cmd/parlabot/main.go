// Command parlabot runs the parlabot Telegram bot and its tools: import a
// consultation file, export responses.
//
//	parlabot sandbox  the bot against a local Telegram emulator with a web chat
//	parlabot run      start the bot (long polling, or a webhook with --webhook-url)
//	parlabot import   FILE.yaml       add or update a consultation from a file
//	parlabot export   --consultation SLUG | --all --format csv|xlsx|jsonl [--out FILE|DIR]
//	parlabot report   --consultation SLUG [--lang es] [--format text|md|json]
//	parlabot backup   --out FILE
//	parlabot loadtest [--citizens N] [--concurrency N | --rate N] [--transport polling|webhook|both]
//
// While the bot runs it holds the database; export, report and backup then
// ask it over a socket next to the database (see control.go).
//
// Exit status is 0 on success, 2 on bad usage and 1 on other errors, with
// one line on stderr saying what went wrong and how to fix it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/consultations/boltstore"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Now: time.Now}
	os.Exit(m.Run(ctx, os.Args[1:]))
}

// usage is the help printed for -h and for bad usage.
const usage = `parlabot: public consultations and satisfaction polls in Telegram.

Usage:
  parlabot sandbox [--listen 127.0.0.1:8080]   try the bot in a local web chat: no token, no network
  parlabot run [--broadcast-rate 25] [--privacy-contact TEXT] [--privacy-url URL] [--retention 365d]
               [--metrics-addr ADDR] [--backup-dir DIR] [--backup-keep 7]
               [--webhook-url URL] [--listen :8443] [--webhook-secret S]
                                                start the bot (needs --token); a webhook instead of
                                                long polling with --webhook-url (behind a TLS proxy)
  parlabot import FILE.yaml                     add or update a consultation from a file
  parlabot export --consultation SLUG | --all --format csv|xlsx|jsonl [--layout wide|long] [--lang CODE]
                 [--out FILE|DIR] [--excel] [--redact-text]
                                                the responses, pseudonymised, with a codebook
  parlabot report --consultation SLUG [--lang es] [--format text|md|json]
                                                indicators, participation and answers
  parlabot backup --out FILE                    a consistent copy of the database
  parlabot loadtest [--citizens 10000] [--concurrency 500 | --rate 1000] [--transport polling|webhook|both]
                   [--existing 100000] [--json]
                                                measure what this machine holds: simulated citizens
                                                answer through a local Telegram emulator, against the
                                                bot and a null bot that only acknowledges updates

export, report and backup work while the bot runs: they ask it over the
socket next to the database (PATH.sock), with nothing to configure.

Operations (run; --metrics-addr also for sandbox):
  --metrics-addr ADDR  PARLABOT_METRICS_ADDR  serve Prometheus /metrics and /healthz on ADDR,
                                              e.g. 127.0.0.1:9090 (off by default)
  --backup-dir DIR     PARLABOT_BACKUP_DIR    a daily copy of the database, DIR/parlabot-YYYY-MM-DD.db
  --backup-keep N      PARLABOT_BACKUP_KEEP   how many daily copies to keep (default 7)

Common flags (each also read from an environment variable):
  --db PATH        PARLABOT_DB          database file (default ./parlabot.db;
                                        the sandbox uses ./parlabot-sandbox.db)
  --token T        TELEGRAM_BOT_TOKEN   the bot's token from @BotFather
  --api-url URL    PARLABOT_API_URL     Bot API server (default https://api.telegram.org)
  --lang CODE      PARLABOT_LANG        language for citizens whose app language
                                        parlabot doesn't speak: es, pt, en or fr (default es)
  --admins ID,ID   PARLABOT_ADMINS      Telegram user ids with the admin role

The privacy notice citizens accept before anything about them is kept
(run and sandbox; the sandbox fills in demo values):
  --privacy-contact TEXT  PARLABOT_PRIVACY_CONTACT  who is responsible for citizens' data, e.g.
                                                    "Oficina de Transparencia, privacidad@congreso.example"
  --privacy-url URL       PARLABOT_PRIVACY_URL      the full privacy policy, linked from the notice

Run "parlabot COMMAND -h" for a command's own flags.
`

// Main is the parlabot command, with its input and output injected so
// tests run it as a user would.
type Main struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	Now            func() time.Time
	// Listen opens the webhook's listener; net.Listen when nil.
	Listen func(network, address string) (net.Listener, error)
}

// usageError is bad usage: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// Run runs one subcommand and returns the exit status.
func (m *Main) Run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage)
		return 2
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "run":
		err = m.runBot(ctx, rest)
	case "import":
		err = m.importFile(ctx, rest)
	case "export":
		err = m.export(ctx, rest)
	case "report":
		err = m.report(ctx, rest)
	case "backup":
		err = m.backup(ctx, rest)
	case "sandbox":
		err = m.runSandbox(ctx, rest)
	case "loadtest":
		err = m.loadTest(ctx, rest)
	case "nullbot": // the load test's baseline; not for people
		err = m.nullBot(ctx, rest)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(m.Stdout, usage)
		return 0
	default:
		if strings.HasPrefix(cmd, "-") {
			err = usagef("the command comes first, then its flags: %s", reordered(args))
			break
		}
		err = usagef("unknown command %q; use sandbox, run, import, export, report, backup or loadtest (parlabot -h lists them)", cmd)
	}
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(m.Stderr, "parlabot: %s\n", ue.msg)
		return 2
	default:
		fmt.Fprintf(m.Stderr, "parlabot: %s\n", err)
		return 1
	}
}

// common holds the flags every subcommand shares.
type common struct {
	db, token, apiURL, lang string
	admins                  adminList
}

// adminList is the --admins flag: Telegram user ids, comma separated.
type adminList []int64

func (a *adminList) String() string {
	var parts []string
	for _, id := range *a {
		parts = append(parts, strconv.FormatInt(id, 10))
	}
	return strings.Join(parts, ",")
}

func (a *adminList) Set(v string) error {
	*a = nil
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, err := strconv.ParseInt(part, 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("%q is not a Telegram user id (a positive number; @userinfobot tells yours)", part)
		}
		*a = append(*a, id)
	}
	return nil
}

// flags returns a flag set for a subcommand with the common flags, their
// defaults taken from the environment.
func (m *Main) flags(name string, c *common) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.StringVar(&c.db, "db", m.env("PARLABOT_DB", "./parlabot.db"), "database `file` (PARLABOT_DB)")
	fs.StringVar(&c.token, "token", m.env("TELEGRAM_BOT_TOKEN", ""), "Telegram bot `token` from @BotFather (TELEGRAM_BOT_TOKEN)")
	fs.StringVar(&c.apiURL, "api-url", m.env("PARLABOT_API_URL", "https://api.telegram.org"), "Telegram Bot API `URL` (PARLABOT_API_URL)")
	fs.StringVar(&c.lang, "lang", m.env("PARLABOT_LANG", "es"), "default `language` of the bot's texts: es, pt, en or fr (PARLABOT_LANG)")
	fs.Var(&c.admins, "admins", "Telegram user `ids` with the admin role, comma separated (PARLABOT_ADMINS)")
	return fs
}

// parse parses flags, after the defaults the environment gives; a bad flag
// is a usage error (the flag package has already printed what was wrong).
func (m *Main) parse(fs *flag.FlagSet, args []string) error {
	if v := m.Getenv("PARLABOT_ADMINS"); v != "" {
		if err := fs.Set("admins", v); err != nil {
			return usagef("PARLABOT_ADMINS: %v", err)
		}
	}
	return m.parseQuietly(fs, args)
}

// parseQuietly parses flags without the flag package's own output, so bad
// usage is the one line Run prints; -h prints the command's flags on
// stdout.
func (m *Main) parseQuietly(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(m.Stdout)
		fmt.Fprintf(m.Stdout, "Usage of parlabot %s:\n", fs.Name())
		fs.PrintDefaults()
		return err
	}
	if err != nil && strings.HasPrefix(err.Error(), "flag provided but not defined") {
		return usagef("%s: %v (parlabot %s -h lists its flags)", fs.Name(), err, fs.Name())
	}
	if err != nil {
		return usagef("%s: %v", fs.Name(), err)
	}
	return nil
}

func (m *Main) env(name, def string) string {
	if v := strings.TrimSpace(m.Getenv(name)); v != "" {
		return v
	}
	return def
}

// openStore opens the database, with a clear message when another
// process holds it.
func (m *Main) openStore(c common) (*boltstore.Store, error) {
	return boltstore.Open(c.db, boltstore.Options{Now: m.Now})
}

// logger writes text logs on a terminal and JSON otherwise.
func (m *Main) logger() *slog.Logger {
	if terminal(m.Stderr) {
		return slog.New(slog.NewTextHandler(m.Stderr, nil))
	}
	return slog.New(slog.NewJSONHandler(m.Stderr, nil))
}

// storeError keeps a store's own clear messages (a locked file, say) and
// adds context to the rest.
func storeError(what string, err error) error {
	if consultations.ErrorCode(err) == consultations.EINTERNAL {
		return fmt.Errorf("%s: %w", what, err)
	}
	return err
}

// reordered suggests the command line with its command first, when the
// user put flags before it.
func reordered(args []string) string {
	for i, a := range args {
		switch a {
		case "sandbox", "run", "import", "export", "report", "backup", "loadtest":
			rest := append(append([]string{a}, args[:i]...), args[i+1:]...)
			return "parlabot " + strings.Join(rest, " ")
		}
	}
	return "parlabot COMMAND " + strings.Join(args, " ")
}

// flagSet reports whether the flag was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
