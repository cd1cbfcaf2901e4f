package consultations

import (
	"context"
	"time"
)

// BroadcastState is where a broadcast is in its life.
type BroadcastState string

// The states of a broadcast.
const (
	BroadcastPlanned   BroadcastState = "planned"   // counted and shown to the clerk, not confirmed
	BroadcastSending   BroadcastState = "sending"   // confirmed; the sender works through its outbox
	BroadcastPaused    BroadcastState = "paused"    // stopped by /pause until /resume
	BroadcastDone      BroadcastState = "done"      // every delivery sent, failed or blocked
	BroadcastCancelled BroadcastState = "cancelled" // the clerk declined the plan
)

// BroadcastKind is what a broadcast sends.
type BroadcastKind string

// The kinds of broadcast.
const (
	BroadcastInvite  BroadcastKind = ""        // an invitation to answer, to subscribers who haven't
	BroadcastResults BroadcastKind = "results" // the published summary, to the respondents
)

// Broadcast is one message about a consultation sent to many citizens (an
// invitation, or its published results), through a persistent outbox so
// that a restart resumes where it stopped.
type Broadcast struct {
	ID           uint64 // assigned by the store
	Kind         BroadcastKind
	Consultation string
	By           int64 // the clerk's Telegram user id
	ChatID       int64 // where the clerk follows progress
	StatusMsg    int   // the message edited with live progress
	State        BroadcastState
	Created      time.Time
	Started      time.Time
	Finished     time.Time
	Total        int
	Sent         int
	Failed       int
	Blocked      int
	Skipped      int // unsubscribed or answered after the plan
}

// Pending is how many deliveries are still to be made.
func (b *Broadcast) Pending() int { return b.Total - b.Sent - b.Failed - b.Blocked - b.Skipped }

// DeliveryState is what became of one message of a broadcast.
type DeliveryState string

// The states of a delivery.
const (
	DeliveryPending DeliveryState = "pending"
	DeliverySent    DeliveryState = "sent"
	DeliveryFailed  DeliveryState = "failed"  // retried and given up
	DeliveryBlocked DeliveryState = "blocked" // the citizen blocked the bot (403); unsubscribed
	DeliverySkipped DeliveryState = "skipped" // unsubscribed or answered after the plan: not sent
)

// Delivery is one citizen's message in a broadcast's outbox.
type Delivery struct {
	Broadcast uint64
	UserID    int64
	ChatID    int64
	Language  string
	State     DeliveryState
	Attempts  int
}

// Subscriber is a citizen who agreed to hear about new consultations.
type Subscriber struct {
	UserID   int64
	ChatID   int64
	Language string
}

// BroadcastStore keeps subscribers and broadcasts' outboxes.
type BroadcastStore interface {
	// EachSubscriber calls fn with every subscribed citizen, in user id order.
	EachSubscriber(ctx context.Context, fn func(s Subscriber) error) error
	// EachCitizen calls fn with every citizen (without their session), in
	// user id order.
	EachCitizen(ctx context.Context, fn func(c *Citizen) error) error
	// CitizenByUsername finds a citizen by Telegram @username (without @,
	// any case), for granting roles; ENOTFOUND when unknown.
	CitizenByUsername(ctx context.Context, username string) (*Citizen, error)

	// CreateBroadcast stores a broadcast and its deliveries (all pending) in
	// one transaction, setting b.ID and b.Total.
	CreateBroadcast(ctx context.Context, b *Broadcast, deliveries []Delivery) error
	// Broadcast returns a broadcast by id, or an ENOTFOUND error.
	Broadcast(ctx context.Context, id uint64) (*Broadcast, error)
	// Broadcasts returns every broadcast, newest first.
	Broadcasts(ctx context.Context) ([]*Broadcast, error)
	// SaveBroadcast stores a broadcast's state and status message; counters
	// are kept by RecordDelivery and are not changed here.
	SaveBroadcast(ctx context.Context, b *Broadcast) error
	// PendingDeliveries returns up to limit pending deliveries of a
	// broadcast, in a stable order.
	PendingDeliveries(ctx context.Context, id uint64, limit int) ([]Delivery, error)
	// RecordDelivery stores what became of a delivery and updates its
	// broadcast's counters in the same transaction; a blocked delivery also
	// unsubscribes the citizen. Recording a delivery that is no longer
	// pending changes nothing.
	RecordDelivery(ctx context.Context, d Delivery) error
}
