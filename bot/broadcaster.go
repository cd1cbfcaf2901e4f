package bot

import (
	"context"
	"sync"
	"time"

	"github.com/parlabot/parlabot/consultations"
)

// DefaultBroadcastRate is how many broadcast messages go out per second
// when Config.BroadcastRate is not set: under Telegram's limit of about 30.
const DefaultBroadcastRate = 25

// broadcaster sends confirmed broadcasts from their outbox in the store,
// one broadcast after another: at most its rate for all chats together and
// one message a second to a chat; a 429 holds every send for its
// retry_after. Each delivery is recorded as soon as its send returns, so a
// restart resumes with what is still pending and nobody gets the message
// twice.
type broadcaster struct {
	bot   *Bot
	limit *rateLimiter
	chats *chatGate
	// clock is real time, for pacing and the measured rate; the bot's
	// injected clock (Bot.now) stamps the broadcasts.
	clock func() time.Time

	// Tuning, fixed once sending starts; tests shorten them.
	backoff     time.Duration // wait after a failed send, doubled each time
	statusEvery time.Duration // least time between two edits of a status message
	batch       int           // deliveries read from the outbox at a time

	wake chan struct{} // a broadcast was confirmed, paused or resumed

	// mu serialises changes to broadcast records (state, status message),
	// so the sender and clerks' commands never undo each other's.
	mu sync.Mutex

	once sync.Once
	wg   sync.WaitGroup

	activeMu sync.Mutex
	active   uint64 // the broadcast being sent, 0 if none

	// unrecorded are deliveries settled with Telegram that the store
	// failed to record; they are not sent again and are recorded later.
	unrecorded map[deliveryKey]consultations.Delivery
}

type deliveryKey struct {
	broadcast uint64
	user      int64
}

// sendTimeout bounds one sendMessage, which runs to its end even when the
// bot stops, so that what reached the citizen is recorded.
const sendTimeout = 30 * time.Second

func newBroadcaster(b *Bot, rate float64) *broadcaster {
	return &broadcaster{
		bot:         b,
		limit:       newRateLimiter(rate, time.Now),
		chats:       newChatGate(time.Now),
		clock:       time.Now,
		backoff:     time.Second,
		statusEvery: 2 * time.Second,
		batch:       100,
		wake:        make(chan struct{}, 1),
		unrecorded:  map[deliveryKey]consultations.Delivery{},
	}
}

// broadcaster returns the bot's broadcast sender.
func (b *Bot) broadcaster() *broadcaster { return b.bcast }

// StartBroadcaster starts the broadcast sender in the background and
// returns: it resumes every broadcast left sending by a stop or a crash,
// then sends the ones clerks confirm, until ctx ends. Call it once, from
// Run, and call waitBroadcaster before Run returns, so that the messages in
// flight are sent and recorded before the database closes. Later calls do
// nothing.
func (b *Bot) StartBroadcaster(ctx context.Context) {
	s := b.broadcaster()
	s.once.Do(func() {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.run(ctx)
		}()
	})
}

// waitBroadcaster returns once the sender started by StartBroadcaster has
// stopped, its messages in flight sent and recorded (at once if it was
// never started).
func (b *Bot) waitBroadcaster() {
	b.broadcaster().wg.Wait()
}

// notify wakes the sender: a broadcast was confirmed, paused or resumed.
func (s *broadcaster) notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// change applies fn to the stored broadcast and saves it, one change at a
// time; fn returns false to leave it as it is. It returns the broadcast as
// it is now and whether fn changed it.
func (s *broadcaster) change(ctx context.Context, id uint64, fn func(*consultations.Broadcast) bool) (*consultations.Broadcast, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	bc, err := s.bot.store.Broadcast(ctx, id)
	if err != nil {
		return nil, false, err
	}
	if !fn(bc) {
		return bc, false, nil
	}
	if err := s.bot.store.SaveBroadcast(ctx, bc); err != nil {
		return nil, false, err
	}
	return bc, true, nil
}

// activeID is the broadcast being sent now, 0 if none.
func (s *broadcaster) activeID() uint64 {
	s.activeMu.Lock()
	defer s.activeMu.Unlock()
	return s.active
}

func (s *broadcaster) setActive(id uint64) {
	s.activeMu.Lock()
	s.active = id
	s.activeMu.Unlock()
}

// run sends broadcasts until ctx ends: the oldest one sending first, then
// the next, then it waits for a clerk to confirm one.
func (s *broadcaster) run(ctx context.Context) {
	retry := time.Second
	for ctx.Err() == nil {
		bc, err := s.nextSending(ctx)
		if err == nil && bc == nil {
			select {
			case <-ctx.Done():
			case <-s.wake:
			}
			continue
		}
		if err == nil {
			err = s.deliver(ctx, bc)
		}
		if err != nil && ctx.Err() == nil {
			s.bot.log.Error("broadcast: sending stopped; trying again", "in", retry, "err", err)
			_ = sleep(ctx, retry)
			retry = min(2*retry, time.Minute)
			continue
		}
		retry = time.Second
	}
}

// nextSending is the oldest broadcast in state sending, nil if none.
func (s *broadcaster) nextSending(ctx context.Context) (*consultations.Broadcast, error) {
	all, err := s.bot.store.Broadcasts(ctx)
	if err != nil {
		return nil, err
	}
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].State == consultations.BroadcastSending {
			return all[i], nil
		}
	}
	return nil, nil
}
