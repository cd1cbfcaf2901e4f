package boltstore

import (
	"context"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/parlabot/parlabot/consultations"
)

// A citizen stored before privacy notices existed has no consent time: they
// read as not having accepted, and see the notice on their next message.
func TestOldCitizenRecordIsNotConsented(t *testing.T) {
	s, _ := openTest(t)
	old := `{"user_id":7,"chat_id":7,"language":"es","created":"2026-03-02T09:00:00Z","username":"ana","subscribed":true,"subscribe_asked":true}`
	err := s.db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(citizensBucket).Put(userKey(7), citizenValue(0, []byte(old)))
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Citizen(context.Background(), 7)
	if err != nil {
		t.Fatal(err)
	}
	if c.HasConsented() {
		t.Errorf("old record decodes with consent at %v, want none", c.Consented)
	}
	if c.Username != "ana" || !c.Subscribed || !c.Created.Equal(t0) {
		t.Errorf("old record = %+v, want its other fields kept", c)
	}
}

func TestDeleteCitizen(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	c := testCitizen(1001) // in a session
	c.Username, c.Subscribed, c.SubscribeAsked, c.Consented = "Ana_Paula", true, true, t0
	r := testResponse("survey", "p1", false)
	putTest(t, s, testConsultation("survey"))
	commitTest(t, s, consultations.Change{Citizen: c, Response: r})
	commitTest(t, s, consultations.Change{Citizen: &consultations.Citizen{UserID: 1002, ChatID: 1002, Subscribed: true}})

	if err := s.DeleteCitizen(ctx, 1001); err != nil {
		t.Fatalf("DeleteCitizen: %v", err)
	}
	if _, err := s.Citizen(ctx, 1001); consultations.ErrorCode(err) != consultations.ENOTFOUND {
		t.Errorf("Citizen after delete: err %v, want ENOTFOUND", err)
	}
	if _, err := s.CitizenByUsername(ctx, "@ana_paula"); consultations.ErrorCode(err) != consultations.ENOTFOUND {
		t.Errorf("CitizenByUsername after delete: err %v, want ENOTFOUND", err)
	}
	if got := subscriberIDs(t, s); len(got) != 1 || got[0] != 1002 {
		t.Errorf("subscribers = %v, want only 1002", got)
	}
	s.db.View(func(tx *bbolt.Tx) error {
		if n := tx.Bucket(sessionsBucket).Stats().KeyN; n != 0 {
			t.Errorf("%d sessions left, want none", n)
		}
		return nil
	})
	if _, err := s.Response(ctx, "survey", "p1"); err != nil {
		t.Errorf("response after the citizen was deleted: %v, want it kept under its pseudonym", err)
	}
	if err := s.DeleteCitizen(ctx, 1001); err != nil {
		t.Errorf("deleting again: %v, want nil", err)
	}
}

// A username that passed to another citizen stays theirs when the first
// one is deleted.
func TestDeleteCitizenKeepsAnothersUsername(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	commitTest(t, s, consultations.Change{Citizen: &consultations.Citizen{UserID: 1, Username: "ana"}})
	commitTest(t, s, consultations.Change{Citizen: &consultations.Citizen{UserID: 2, Username: "ana"}})
	if err := s.DeleteCitizen(ctx, 1); err != nil {
		t.Fatal(err)
	}
	c, err := s.CitizenByUsername(ctx, "ana")
	if err != nil || c.UserID != 2 {
		t.Errorf("CitizenByUsername(ana) = %+v, %v; want citizen 2", c, err)
	}
}
