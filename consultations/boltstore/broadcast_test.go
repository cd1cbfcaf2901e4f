package boltstore

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/parlabot/parlabot/consultations"
)

// subscriber commits a subscribed citizen.
func subscriber(t *testing.T, s *Store, userID int64, lang string) {
	t.Helper()
	commitTest(t, s, consultations.Change{Citizen: &consultations.Citizen{
		UserID: userID, ChatID: userID, Language: lang, Subscribed: true, SubscribeAsked: true, Created: t0,
	}})
}

// subscriberIDs lists EachSubscriber's user ids, in its order.
func subscriberIDs(t *testing.T, s *Store) []int64 {
	t.Helper()
	var ids []int64
	err := s.EachSubscriber(context.Background(), func(sub consultations.Subscriber) error {
		ids = append(ids, sub.UserID)
		return nil
	})
	if err != nil {
		t.Fatalf("EachSubscriber: %v", err)
	}
	return ids
}

// pendingIDs lists a broadcast's pending deliveries' user ids.
func pendingIDs(t *testing.T, s *Store, id uint64, limit int) []int64 {
	t.Helper()
	ds, err := s.PendingDeliveries(context.Background(), id, limit)
	if err != nil {
		t.Fatalf("PendingDeliveries: %v", err)
	}
	var ids []int64
	for _, d := range ds {
		if d.State != consultations.DeliveryPending || d.Broadcast != id {
			t.Errorf("pending delivery %+v: want state pending in broadcast %d", d, id)
		}
		ids = append(ids, d.UserID)
	}
	return ids
}

func getBroadcastTest(t *testing.T, s *Store, id uint64) *consultations.Broadcast {
	t.Helper()
	bc, err := s.Broadcast(context.Background(), id)
	if err != nil {
		t.Fatalf("Broadcast(%d): %v", id, err)
	}
	return bc
}

func TestSubscribersIndex(t *testing.T) {
	s, _ := openTest(t)
	subscriber(t, s, 30, "es")
	subscriber(t, s, 10, "pt")
	subscriber(t, s, 20, "en")
	commitTest(t, s, consultations.Change{Citizen: &consultations.Citizen{UserID: 40, ChatID: 40, Language: "fr", Created: t0}})
	if got, want := subscriberIDs(t, s), []int64{10, 20, 30}; !slices.Equal(got, want) {
		t.Fatalf("subscribers = %v, want %v (in user id order, not 40)", got, want)
	}
	// /stop: Subscribed false takes the citizen out of the index.
	commitTest(t, s, consultations.Change{Citizen: &consultations.Citizen{UserID: 20, ChatID: 20, Language: "en", SubscribeAsked: true, Created: t0}})
	if got, want := subscriberIDs(t, s), []int64{10, 30}; !slices.Equal(got, want) {
		t.Errorf("after 20 unsubscribed: subscribers = %v, want %v", got, want)
	}
	// A change of language is in the index too.
	subscriber(t, s, 10, "fr")
	err := s.EachSubscriber(context.Background(), func(sub consultations.Subscriber) error {
		if sub.UserID == 10 && (sub.Language != "fr" || sub.ChatID != 10) {
			t.Errorf("subscriber 10 = %+v, want chat 10 in fr", sub)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestBroadcastOutbox(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "parlabot.db")
	clk := newClock()
	s := openAt(t, path, clk)
	for _, id := range []int64{1, 2, 3, 4} {
		subscriber(t, s, id, "es")
	}
	bc := &consultations.Broadcast{Consultation: "survey", By: 900, ChatID: 900, State: consultations.BroadcastPlanned, Created: t0, Sent: 7}
	var ds []consultations.Delivery
	for _, id := range []int64{4, 2, 3, 1} {
		ds = append(ds, consultations.Delivery{UserID: id, ChatID: id, Language: "pt", State: consultations.DeliverySent, Attempts: 3})
	}
	if err := s.CreateBroadcast(ctx, bc, ds); err != nil {
		t.Fatalf("CreateBroadcast: %v", err)
	}
	if bc.ID == 0 || bc.Total != 4 || bc.Sent != 0 {
		t.Fatalf("created broadcast = %+v, want an id, total 4 and counters at 0", bc)
	}
	if got, want := pendingIDs(t, s, bc.ID, 10), []int64{1, 2, 3, 4}; !slices.Equal(got, want) {
		t.Fatalf("pending = %v, want %v (all pending, in user id order)", got, want)
	}
	if got, want := pendingIDs(t, s, bc.ID, 2), []int64{1, 2}; !slices.Equal(got, want) {
		t.Errorf("pending, limit 2 = %v, want %v", got, want)
	}

	// State and status message are saved; counters are not.
	bc.State, bc.StatusMsg, bc.Sent = consultations.BroadcastSending, 42, 99
	if err := s.SaveBroadcast(ctx, bc); err != nil {
		t.Fatalf("SaveBroadcast: %v", err)
	}
	got := getBroadcastTest(t, s, bc.ID)
	if got.State != consultations.BroadcastSending || got.StatusMsg != 42 || got.Sent != 0 || got.Total != 4 {
		t.Errorf("saved broadcast = %+v, want sending, status 42, sent 0 of 4", got)
	}

	record := func(userID int64, state consultations.DeliveryState, attempts int) {
		t.Helper()
		d := consultations.Delivery{Broadcast: bc.ID, UserID: userID, ChatID: userID, Language: "pt", State: state, Attempts: attempts}
		if err := s.RecordDelivery(ctx, d); err != nil {
			t.Fatalf("RecordDelivery(%d, %s): %v", userID, state, err)
		}
	}
	record(1, consultations.DeliverySent, 1)
	record(2, consultations.DeliveryPending, 1) // a try that failed, to be tried again
	record(3, consultations.DeliveryBlocked, 1)
	record(1, consultations.DeliverySent, 1)   // again: not counted twice
	record(3, consultations.DeliveryFailed, 2) // a settled delivery stays as it is

	got = getBroadcastTest(t, s, bc.ID)
	if got.Sent != 1 || got.Blocked != 1 || got.Failed != 0 || got.Pending() != 2 {
		t.Errorf("counters = sent %d, failed %d, blocked %d, pending %d; want 1, 0, 1, 2", got.Sent, got.Failed, got.Blocked, got.Pending())
	}
	if got, want := pendingIDs(t, s, bc.ID, 10), []int64{2, 4}; !slices.Equal(got, want) {
		t.Errorf("pending = %v, want %v", got, want)
	}
	ds2, _ := s.PendingDeliveries(ctx, bc.ID, 1)
	if len(ds2) != 1 || ds2[0].Attempts != 1 {
		t.Errorf("delivery to 2 = %+v, want its try counted", ds2)
	}
	// A blocked citizen is unsubscribed, in the record and the index.
	if got, want := subscriberIDs(t, s), []int64{1, 2, 4}; !slices.Equal(got, want) {
		t.Errorf("subscribers = %v, want %v (3 blocked the bot)", got, want)
	}
	if c, err := s.Citizen(ctx, 3); err != nil || c.Subscribed {
		t.Errorf("citizen 3 = %+v, %v; want unsubscribed", c, err)
	}

	// A restart finds the outbox as it was.
	s.Close()
	s = openAt(t, path, clk)
	if got, want := pendingIDs(t, s, bc.ID, 10), []int64{2, 4}; !slices.Equal(got, want) {
		t.Errorf("pending after reopening = %v, want %v", got, want)
	}
	record(2, consultations.DeliveryFailed, 4)
	record(4, consultations.DeliverySent, 1)
	got = getBroadcastTest(t, s, bc.ID)
	if got.Sent != 2 || got.Failed != 1 || got.Blocked != 1 || got.Pending() != 0 || got.State != consultations.BroadcastSending {
		t.Errorf("broadcast = %+v, want 2 sent, 1 failed, 1 blocked, none pending", got)
	}
	if ids := pendingIDs(t, s, bc.ID, 10); len(ids) != 0 {
		t.Errorf("pending = %v, want none", ids)
	}
}

func TestBroadcastsNewestFirst(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	var ids []uint64
	for _, slug := range []string{"a", "b", "c"} {
		bc := &consultations.Broadcast{Consultation: slug, State: consultations.BroadcastPlanned}
		if err := s.CreateBroadcast(ctx, bc, nil); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, bc.ID)
	}
	all, err := s.Broadcasts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, bc := range all {
		got = append(got, bc.Consultation)
	}
	if want := []string{"c", "b", "a"}; !slices.Equal(got, want) {
		t.Errorf("broadcasts = %v, want %v", got, want)
	}
	if ids[0] == ids[1] || ids[1] == ids[2] {
		t.Errorf("ids = %v, want distinct", ids)
	}
}

// A citizen listed twice gets one delivery, and the total counts it once,
// so that a finished broadcast has nothing pending.
func TestCreateBroadcastDuplicateCitizen(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	bc := &consultations.Broadcast{Consultation: "survey", State: consultations.BroadcastPlanned}
	ds := []consultations.Delivery{{UserID: 1, ChatID: 1}, {UserID: 2, ChatID: 2}, {UserID: 1, ChatID: 1}}
	if err := s.CreateBroadcast(ctx, bc, ds); err != nil {
		t.Fatal(err)
	}
	if bc.Total != 2 {
		t.Errorf("total = %d, want 2", bc.Total)
	}
	for _, id := range []int64{1, 2} {
		if err := s.RecordDelivery(ctx, consultations.Delivery{Broadcast: bc.ID, UserID: id, ChatID: id, State: consultations.DeliverySent}); err != nil {
			t.Fatal(err)
		}
	}
	if got := getBroadcastTest(t, s, bc.ID); got.Pending() != 0 || got.Total != 2 {
		t.Errorf("broadcast = %+v, want nothing pending of 2", got)
	}
}

func TestBroadcastNotFound(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	_, err := s.Broadcast(ctx, 7)
	wantCode(t, err, consultations.ENOTFOUND)
	_, err = s.PendingDeliveries(ctx, 7, 10)
	wantCode(t, err, consultations.ENOTFOUND)
	err = s.RecordDelivery(ctx, consultations.Delivery{Broadcast: 7, UserID: 1, State: consultations.DeliverySent})
	wantCode(t, err, consultations.ENOTFOUND)
	err = s.SaveBroadcast(ctx, &consultations.Broadcast{ID: 7})
	wantCode(t, err, consultations.ENOTFOUND)

	bc := &consultations.Broadcast{Consultation: "survey"}
	if err := s.CreateBroadcast(ctx, bc, []consultations.Delivery{{UserID: 1, ChatID: 1}}); err != nil {
		t.Fatal(err)
	}
	err = s.RecordDelivery(ctx, consultations.Delivery{Broadcast: bc.ID, UserID: 2, State: consultations.DeliverySent})
	wantCode(t, err, consultations.ENOTFOUND)
	if got := getBroadcastTest(t, s, bc.ID); got.Sent != 0 {
		t.Errorf("sent = %d after recording a stranger, want 0", got.Sent)
	}
}
