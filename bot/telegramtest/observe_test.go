package telegramtest_test

import (
	"slices"
	"sync"
	"testing"

	"github.com/go-telegram/bot"

	"github.com/parlabot/parlabot/bot/telegramtest"
)

// observed collects what an Observer is told.
type observed struct {
	mu        sync.Mutex
	events    []string // kind and plain text of each change
	confirmed []int64
}

func (o *observed) observer() telegramtest.Observer {
	return telegramtest.Observer{
		Event: func(ev telegramtest.Event) {
			o.mu.Lock()
			defer o.mu.Unlock()
			o.events = append(o.events, ev.Kind+" "+ev.Message.Plain+ev.Text)
		},
		Confirmed: func(id int64) {
			o.mu.Lock()
			defer o.mu.Unlock()
			o.confirmed = append(o.confirmed, id)
		},
	}
}

func (o *observed) snapshot() (events []string, confirmed []int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.events), slices.Clone(o.confirmed)
}

// An observer sees every change of every chat in order, the citizen's
// messages and the bot's replies, edits and answers, and each update once
// the bot has confirmed it, by polling as by webhook; after cancel it sees
// nothing more.
func TestObserve(t *testing.T) {
	for _, mode := range []string{"polling", "webhook"} {
		t.Run(mode, func(t *testing.T) {
			srv := newServer(t)
			ctx := testContext(t)
			if mode == "polling" {
				surveyBot(t, srv)
			} else {
				wb := newWebhookBot(t, srv, "s3cret")
				if _, err := wb.SetWebhook(ctx, &bot.SetWebhookParams{URL: wb.url, SecretToken: "s3cret"}); err != nil {
					t.Fatal(err)
				}
			}
			var o observed
			cancel := srv.Observe(o.observer())
			ana := srv.User(5301, "es")
			start := ana.Send("/start")
			if err := srv.WaitConfirmed(ctx, start); err != nil {
				t.Fatal(err)
			}
			tap, err := ana.Tap("Sí")
			if err != nil {
				t.Fatal(err)
			}
			if err := srv.WaitConfirmed(ctx, tap); err != nil {
				t.Fatal(err)
			}
			events, confirmed := o.snapshot()
			want := []string{"new /start", "new ¿Te gustó la transmisión?", "edit Elegiste: yes", "callback_answer Elegiste: yes¡Gracias!"}
			if !slices.Equal(events, want) {
				t.Errorf("events = %q, want %q", events, want)
			}
			if want := []int64{start, tap}; !slices.Equal(confirmed, want) {
				t.Errorf("confirmed = %v, want %v", confirmed, want)
			}

			cancel()
			if err := ana.SendWait(ctx, "hola"); err != nil {
				t.Fatal(err)
			}
			if events, confirmed := o.snapshot(); len(events) != len(want) || len(confirmed) != 2 {
				t.Errorf("after cancel the observer was told %q and %v", events[len(want):], confirmed[2:])
			}
		})
	}
}

// With recording off, the bot's calls work as before but are not kept;
// turned on again, they are.
func TestRecordCalls(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)
	surveyBot(t, srv)
	srv.RecordCalls(false)
	ana := srv.User(5302, "es")
	if err := ana.SendWait(ctx, "/start"); err != nil {
		t.Fatal(err)
	}
	if got := ana.Last().Plain; got != "¿Te gustó la transmisión?" {
		t.Fatalf("the citizen sees %q", got)
	}
	if n := srv.CallCount("sendMessage"); n != 0 {
		t.Errorf("CallCount(sendMessage) with recording off = %d, want 0", n)
	}
	srv.RecordCalls(true)
	if err := ana.SendWait(ctx, "hola"); err != nil {
		t.Fatal(err)
	}
	calls := srv.Calls("sendMessage")
	if len(calls) != 1 || calls[0].Params["text"] != "Dijiste: <i>hola</i>" {
		t.Errorf("calls after recording is on again = %+v, want the echo of hola", calls)
	}
}
