package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parlabot/parlabot/consultations"
)

func TestBroadcastCommandsAreForStaff(t *testing.T) {
	bh := newBroadcastHarness(t, 1000)
	subscribers(t, bh.srv, bh.store, []int64{2001}, "es")
	ana := bh.citizen(1201, "es")
	for _, cmd := range []string{"/broadcast " + reference, "/pause", "/resume " + reference} {
		ana.send(cmd)
		ana.sees("este comando es para el personal del parlamento")
	}
	if n := len(bh.srv.User(2001, "es").Messages()); n != 0 {
		t.Errorf("subscriber has %d messages after a citizen's /broadcast, want none", n)
	}
	all, _ := bh.store.Broadcasts(context.Background())
	if len(all) != 0 {
		t.Errorf("a citizen's /broadcast stored %d broadcasts, want none", len(all))
	}

	// A clerk granted in chat may broadcast.
	boss := bh.citizen(bcClerk, "es")
	boss.send("/grant 1201 clerk")
	ana.send("/broadcast " + reference)
	ana.sees("La recibirá 1 persona suscrita que aún no respondió.")
}

func TestBroadcastRefusesKindly(t *testing.T) {
	bh := newBroadcastHarness(t, 1000)
	clerk := bh.citizen(bcClerk, "es")

	clerk.send("/broadcast")
	clerk.sees("Escriba /broadcast y el identificador (slug) de una consulta abierta")
	clerk.sees("Consultas abiertas:\n• livestream-2026 Evalúe la transmisión")

	clerk.send("/broadcast nope")
	clerk.sees("No hay ninguna consulta con ese identificador.")
	clerk.sees("• livestream-2026")

	clerk.send("/broadcast " + reference)
	clerk.sees("No hay a quién invitar")

	clerk.send("/pause")
	clerk.sees("No hay ningún envío en curso.")
	clerk.send("/resume")
	clerk.sees("No hay ningún envío en pausa.")

	// Once closed, a consultation can't be broadcast.
	subscribers(t, bh.srv, bh.store, []int64{2001}, "es")
	bh.clock.Set(time.Date(2027, 6, 1, 12, 0, 0, 0, time.UTC))
	clerk.send("/broadcast " + reference)
	clerk.sees("Evalúe la transmisión de las sesiones del Congreso")
	clerk.sees("Solo se puede invitar a responder una consulta abierta")
	if all, _ := bh.store.Broadcasts(context.Background()); len(all) != 0 {
		t.Errorf("refused broadcasts stored %d broadcasts, want none", len(all))
	}
}

// The plan says who and how long; cancel sends nothing; send invites each
// subscriber who has not answered, in their language, with a button that
// opens the consultation.
func TestBroadcastPlanCancelAndSend(t *testing.T) {
	bh := newBroadcastHarness(t, 1000)
	const es, pt, en, fr, done, started = 2001, 2002, 2003, 2004, 2005, 2006
	subscribers(t, bh.srv, bh.store, []int64{es, pt, en, fr, done, started}, "es", "pt", "en", "fr")
	bh.answered(done, true)     // answered: not invited
	bh.answered(started, false) // started but not finished: invited
	clerk := bh.citizen(bcClerk, "es")

	clerk.send("/broadcast " + reference)
	clerk.sees("📣 Invitación a responder\nEvalúe la transmisión de las sesiones del Congreso")
	clerk.sees("La recibirán 5 personas suscritas que aún no respondieron.")
	clerk.sees("Tiempo estimado: unos pocos segundos (a 1.000 mensajes por segundo)")
	clerk.sees("¿La envío ahora?")
	if got := clerk.buttons(); len(got) != 2 || got[0] != "Enviar" || got[1] != "Cancelar" {
		t.Fatalf("plan buttons = %q, want Enviar and Cancelar", got)
	}
	plan := clerk.Last().ID
	bc := bh.latestBroadcast()
	if bc.State != consultations.BroadcastPlanned || bc.Total != 5 {
		t.Fatalf("planned broadcast = %+v, want planned for 5", bc)
	}
	clerk.tap("Cancelar")
	clerk.sees("Cancelado: no se envió ningún mensaje.")
	if got := bh.latestBroadcast().State; got != consultations.BroadcastCancelled {
		t.Errorf("state after cancel = %s, want cancelled", got)
	}
	// A tap on the old plan does nothing.
	clerk.TapData(plan, encodeCallback(actBroadcast, strconv.FormatUint(bc.ID, 10), "y"))
	if err := bh.srv.WaitIdle(clerk.ctx()); err != nil {
		t.Fatal(err)
	}
	if got, _ := clerk.LastCallbackAnswer(); got != "Este envío ya se confirmó o se canceló." {
		t.Errorf("stale tap answered %q", got)
	}

	clerk.send("/broadcast " + reference)
	clerk.tap("Enviar")
	bc = bh.latestBroadcast()
	bc = bh.waitBroadcast(bc.ID, "done", isDone)
	if bc.Sent != 5 || bc.Failed != 0 || bc.Blocked != 0 {
		t.Errorf("broadcast = %+v, want 5 sent", bc)
	}
	status := clerk.waitMessage(bc.StatusMsg, "✅ Listo: el envío terminó.")
	if !strings.Contains(status.Plain, "Enviados: 5 de 5") || len(status.Keyboard) != 0 {
		t.Errorf("status message:\n%s\nwant 5 of 5 sent and no buttons", status.Plain)
	}

	tests := []struct {
		id                  int64
		title, intro, label string
	}{
		{es, "Evalúe la transmisión de las sesiones del Congreso", "El parlamento quiere conocer su opinión", "Participar"},
		{pt, "Avalie a transmissão das sessões do Congresso", "O parlamento quer ouvir você", "Participar"},
		{en, "Rate the livestreaming of Congress sessions", "Parliament wants to hear from you", "Take part"},
		{fr, "Evalúe la transmisión de las sesiones del Congreso", "Le parlement veut connaître votre avis", "Participer"}, // no French title: the default
		{started, "Avalie a transmissão das sessões do Congresso", "O parlamento quer ouvir você", "Participar"},
	}
	for _, tt := range tests {
		msgs := botMessages(bh.srv.User(tt.id, ""))
		if len(msgs) != 1 {
			t.Errorf("citizen %d got %d messages, want 1", tt.id, len(msgs))
			continue
		}
		m := msgs[0]
		if !strings.Contains(m.Plain, tt.title) || !strings.Contains(m.Plain, tt.intro) {
			t.Errorf("citizen %d got:\n%s\nwant %q and %q", tt.id, m.Plain, tt.intro, tt.title)
		}
		if len(m.Keyboard) != 1 || m.Keyboard[0][0].Text != tt.label {
			t.Errorf("citizen %d: buttons %v, want %q", tt.id, m.Keyboard, tt.label)
		}
	}
	if n := len(botMessages(bh.srv.User(done, ""))); n != 0 {
		t.Errorf("citizen who answered got %d messages, want none", n)
	}

	// The button opens the consultation, whose intro starts it.
	pedro := &citizen{User: bh.srv.User(pt, ""), h: bh.harness}
	pedro.tap("Participar")
	pedro.sees("Avalie a transmissão das sessões do Congresso")
	pedro.tap("Começar")
	pedro.sees("Pergunta 1 de 6")

	log, err := bh.store.AuditLog(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) == 0 || log[0].Action != "broadcast" || log[0].Target != reference || log[0].Detail != "5 recipients" || log[0].Actor != bcClerk {
		t.Errorf("audit log = %+v, want a broadcast of %s to 5 recipients first", log, reference)
	}
}

// Two thousand subscribers: some blocked the bot, some already answered;
// Telegram throttles the first sends; the bot restarts half-way. Everyone
// who should be invited is invited exactly once.
func TestBroadcastToTwoThousandSurvivesRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 2,000 messages")
	}
	bh := newBroadcastHarness(t, 1000)
	const first, n = 10000, 2000
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = first + int64(i)
	}
	subscribers(t, bh.srv, bh.store, ids, "es", "pt", "en", "fr")
	blocked, answered := map[int64]bool{}, map[int64]bool{}
	for i, id := range ids {
		switch {
		case i%100 == 7:
			blocked[id] = true
			bh.srv.User(id, "").SetBlocked(true)
		case i%200 == 3:
			answered[id] = true
			bh.answered(id, true)
		case i%200 == 5:
			bh.answered(id, false) // not finished: invited
		}
	}
	clerk := bh.citizen(bcClerk, "es")
	clerk.send("/broadcast " + reference)
	clerk.sees("La recibirán 1.990 personas suscritas que aún no respondieron.")

	bh.srv.Fail("sendMessage", 3, 429, 1)
	clerk.tap("Enviar")
	bc := bh.latestBroadcast()
	bh.waitBroadcast(bc.ID, "half sent", func(bc *consultations.Broadcast) bool { return bc.Total-bc.Pending() >= bc.Total/2 })
	bh.restart()
	bc, err := bh.store.Broadcast(context.Background(), bc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if bc.Pending() == 0 || bc.State != consultations.BroadcastSending {
		t.Fatalf("at the restart: %+v; want it still sending, with deliveries pending", bc)
	}
	t.Logf("restarted with %d of %d settled", bc.Total-bc.Pending(), bc.Total)
	bc = bh.waitBroadcast(bc.ID, "done", isDone)

	wantSent := n - len(blocked) - len(answered)
	if bc.Total != n-len(answered) || bc.Sent != wantSent || bc.Blocked != len(blocked) || bc.Failed != 0 || bc.Pending() != 0 {
		t.Errorf("broadcast = %+v; want total %d, sent %d, blocked %d, none failed or pending", bc, n-len(answered), wantSent, len(blocked))
	}
	ok, failed := sendsTo(bh.srv)
	throttled := 0
	for _, c := range bh.srv.Calls("sendMessage") {
		if c.Code == 429 {
			throttled++
		}
	}
	if throttled != 3 {
		t.Errorf("%d sends were throttled, want the 3 injected", throttled)
	}
	for _, id := range ids {
		msgs := botMessages(bh.srv.User(id, ""))
		switch {
		case answered[id]:
			if ok[id]+failed[id] != 0 || len(msgs) != 0 {
				t.Errorf("citizen %d answered already but got %d sends", id, ok[id]+failed[id])
			}
		case blocked[id]:
			if ok[id] != 0 || len(msgs) != 0 {
				t.Errorf("citizen %d blocked the bot but got %d messages", id, len(msgs))
			}
			c, err := bh.store.Citizen(context.Background(), id)
			if err != nil || c.Subscribed {
				t.Errorf("citizen %d blocked the bot but is still subscribed (%v)", id, err)
			}
		default:
			if ok[id] != 1 || len(msgs) != 1 {
				t.Errorf("citizen %d got %d sends and has %d messages, want exactly 1", id, ok[id], len(msgs))
			}
		}
	}
	status := clerk.waitMessage(bc.StatusMsg, "✅ Listo: el envío terminó.")
	for _, want := range []string{
		fmt.Sprintf("Enviados: %s de %s", bh.bot.msg.Number("es", wantSent), bh.bot.msg.Number("es", bc.Total)),
		"Fallidos: 0", "Bloquearon el bot: 20",
	} {
		if !strings.Contains(status.Plain, want) {
			t.Errorf("status message:\n%s\nwant %q", status.Plain, want)
		}
	}
}

// /pause stops sending after the messages in flight; /resume carries on
// where it stopped, without sending anyone a second message.
func TestBroadcastPauseAndResume(t *testing.T) {
	bh := newBroadcastHarness(t, 50)
	ids := make([]int64, 60)
	for i := range ids {
		ids[i] = 3000 + int64(i)
	}
	subscribers(t, bh.srv, bh.store, ids, "pt", "es")
	clerk := bh.citizen(bcClerk, "es")
	clerk.send("/broadcast " + reference)
	clerk.tap("Enviar")
	bc := bh.latestBroadcast()
	bh.waitBroadcast(bc.ID, "started", func(bc *consultations.Broadcast) bool { return bc.Sent >= 5 })

	clerk.send("/pause")
	clerk.sees("⏸ En pausa, con")
	clerk.sees("Envíe /resume para continuar.")
	bc = bh.waitBroadcast(bc.ID, "paused", func(bc *consultations.Broadcast) bool { return bc.State == consultations.BroadcastPaused })
	clerk.waitMessage(bc.StatusMsg, "⏸ En pausa. Envíe /resume para continuar.")
	bc, _ = bh.store.Broadcast(context.Background(), bc.ID)
	atPause := bc.Sent
	if atPause >= len(ids) {
		t.Fatalf("everything was sent before the pause (%d)", atPause)
	}
	ok, _ := sendsTo(bh.srv)
	sent := 0
	for _, id := range ids {
		sent += ok[id]
	}
	if sent != atPause {
		t.Errorf("paused with %d recorded as sent but %d sends made", atPause, sent)
	}

	clerk.send("/pause")
	clerk.sees("No hay ningún envío en curso.")
	clerk.send("/resume other-consultation")
	clerk.sees("No hay ningún envío en pausa.")
	clerk.send("/resume " + reference)
	clerk.sees("▶️ Continúa el envío:")
	bc = bh.waitBroadcast(bc.ID, "done", isDone)
	if bc.Sent != len(ids) {
		t.Errorf("sent %d, want %d", bc.Sent, len(ids))
	}
	ok, _ = sendsTo(bh.srv)
	for _, id := range ids {
		if ok[id] != 1 {
			t.Errorf("citizen %d got %d messages, want 1", id, ok[id])
		}
	}
	clerk.waitMessage(bc.StatusMsg, "✅ Listo")

	log, _ := bh.store.AuditLog(context.Background(), 10)
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action)
	}
	if got := strings.Join(actions, ","); !strings.HasPrefix(got, "resume,pause,broadcast") {
		t.Errorf("audit log actions = %s, want resume, pause, broadcast", got)
	}
}

// A paused broadcast whose consultation has closed doesn't resume.
func TestBroadcastDoesNotResumeAClosedConsultation(t *testing.T) {
	bh := newBroadcastHarness(t, 20)
	ids := make([]int64, 40)
	for i := range ids {
		ids[i] = 4000 + int64(i)
	}
	subscribers(t, bh.srv, bh.store, ids, "es")
	clerk := bh.citizen(bcClerk, "es")
	clerk.send("/broadcast " + reference)
	clerk.tap("Enviar")
	bc := bh.latestBroadcast()
	bh.waitBroadcast(bc.ID, "started", func(bc *consultations.Broadcast) bool { return bc.Sent >= 1 })
	clerk.send("/pause")
	bh.waitBroadcast(bc.ID, "paused", func(bc *consultations.Broadcast) bool { return bc.State == consultations.BroadcastPaused })

	bh.clock.Set(time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)) // after it closes
	clerk.send("/resume")
	clerk.sees("ya no está abierta, así que su envío no puede continuar")
	if got := bh.latestBroadcast().State; got != consultations.BroadcastPaused {
		t.Errorf("state = %s, want still paused", got)
	}
}

// Telegram failing (5xx) is tried again with backoff, then counted as
// failed; the broadcast still finishes.
func TestBroadcastRetriesThenGivesUp(t *testing.T) {
	bh := newBroadcastHarness(t, 1000)
	subscribers(t, bh.srv, bh.store, []int64{5001, 5002}, "es")
	clerk := bh.citizen(bcClerk, "es")
	clerk.send("/broadcast " + reference)
	bh.srv.Fail("sendMessage", 2*maxAttempts, 502, 0)
	clerk.tap("Enviar")
	bc := bh.waitBroadcast(bh.latestBroadcast().ID, "done", isDone)
	if bc.Failed != 2 || bc.Sent != 0 {
		t.Errorf("broadcast = %+v, want both failed", bc)
	}
	_, failed := sendsTo(bh.srv)
	for _, id := range []int64{5001, 5002} {
		if failed[id] != maxAttempts {
			t.Errorf("citizen %d: %d tries, want %d", id, failed[id], maxAttempts)
		}
	}
	status := clerk.waitMessage(bc.StatusMsg, "✅ Listo")
	if !strings.Contains(status.Plain, "Fallidos: 2") {
		t.Errorf("status:\n%s\nwant 2 failed", status.Plain)
	}

	// One failure then success: sent.
	subscribers(t, bh.srv, bh.store, []int64{5003}, "en")
	clerk.send("/broadcast " + reference)
	clerk.sees("La recibirán 3 personas")
	bh.srv.Fail("sendMessage", 1, 500, 0)
	clerk.tap("Enviar")
	bc = bh.waitBroadcast(bh.latestBroadcast().ID, "done", isDone)
	if bc.Sent != 3 || bc.Failed != 0 {
		t.Errorf("second broadcast = %+v, want 3 sent", bc)
	}
}

// A citizen who says /stop, or answers, between the plan and their turn is
// not messaged: nothing is sent without the citizen's yes.
func TestBroadcastSkipsWhoWithdrewAfterThePlan(t *testing.T) {
	bh := newBroadcastHarness(t, 1000)
	const stays, stops, answers = 2101, 2102, 2103
	subscribers(t, bh.srv, bh.store, []int64{stays, stops, answers}, "es")
	clerk := bh.citizen(bcClerk, "es")
	clerk.send("/broadcast " + reference)
	clerk.sees("La recibirán 3 personas")

	c := bh.citizen(stops, "es")
	c.send("/stop")
	bh.answered(answers, true)

	clerk.tap("Enviar")
	bc := bh.waitBroadcast(bh.latestBroadcast().ID, "done", isDone)
	if bc.Sent != 1 || bc.Skipped != 2 || bc.Pending() != 0 {
		t.Errorf("broadcast = %+v, want 1 sent and 2 skipped", bc)
	}
	for id, want := range map[int64]int{stays: 1, stops: 0, answers: 0} {
		invites := 0
		for _, m := range botMessages(bh.srv.User(id, "")) {
			if strings.Contains(m.Plain, "Evalúe la transmisión") {
				invites++
			}
		}
		if invites != want {
			t.Errorf("citizen %d got %d invitations, want %d", id, invites, want)
		}
	}
	clerk.waitMessage(bc.StatusMsg, "Ya no suscritos o ya respondieron: 2")
}
