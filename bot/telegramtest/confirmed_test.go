package telegramtest_test

import "testing"

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
