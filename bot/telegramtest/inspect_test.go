package telegramtest_test

import (
	"strings"
	"testing"
)

// Confirmed follows the offset a bot asks getUpdates for: an update is
// confirmed only once a later offset is asked for, not when it is served.
func TestConfirmed(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)
	u := srv.User(4010, "es")
	first, second := u.Send("uno"), u.Send("dos")
	if srv.Confirmed(first) {
		t.Fatalf("Confirmed(%d) before any getUpdates = true", first)
	}
	if _, err := getUpdates(ctx, srv, 0, 0); err != nil {
		t.Fatal(err)
	}
	if srv.Confirmed(first) {
		t.Errorf("Confirmed(%d) after it was only served = true, want false (a crashed bot gets it again)", first)
	}
	if _, err := getUpdates(ctx, srv, first+1, 0); err != nil {
		t.Fatal(err)
	}
	if !srv.Confirmed(first) || srv.Confirmed(second) {
		t.Errorf("after offset %d: Confirmed(%d) = %v, Confirmed(%d) = %v; want true, false",
			first+1, first, srv.Confirmed(first), second, srv.Confirmed(second))
	}
	if srv.Confirmed(second + 100) {
		t.Errorf("Confirmed(never issued) = true")
	}
}

// CallsSince gives the calls after a point, each with the error Telegram
// answered.
func TestCallsSince(t *testing.T) {
	srv := newServer(t)
	ctx := testContext(t)
	srv.User(4011, "es")
	if _, err := apiCall(ctx, srv, "sendMessage", map[string]any{"chat_id": 4011, "text": "hola"}); err != nil {
		t.Fatal(err)
	}
	n := srv.CallCount("")
	if _, err := apiCall(ctx, srv, "sendMessage", map[string]any{"chat_id": 4011, "text": "<b>hola", "parse_mode": "HTML"}); err != nil {
		t.Fatal(err)
	}
	calls := srv.CallsSince(n)
	if len(calls) != 1 || calls[0].Method != "sendMessage" || calls[0].Code != 400 || !strings.Contains(calls[0].Error, "can't parse entities") {
		t.Fatalf("CallsSince(%d) = %+v, want the one refused sendMessage with its error", n, calls)
	}
	if got := srv.CallsSince(n + 1); len(got) != 0 {
		t.Errorf("CallsSince(all) = %+v, want none", got)
	}
}
