package boltstore

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parlabot/parlabot/consultations"
)

// testConsultation is a consultation with a question of every kind.
func testConsultation(slug string) *consultations.Consultation {
	opts := func(ids ...string) []consultations.Option {
		var o []consultations.Option
		for _, id := range ids {
			o = append(o, consultations.Option{ID: id, Text: consultations.Text{"es": "opción " + id, "pt": "opção " + id}})
		}
		return o
	}
	return &consultations.Consultation{
		Slug:            slug,
		Wave:            "2026-1",
		DefaultLanguage: "es",
		Commitment: consultations.Commitment{
			ID:         "c-7",
			Pillar:     consultations.PillarParticipation,
			Parliament: "Asamblea",
			Title:      consultations.Text{"es": "Transmisión de sesiones"},
			Indicators: []consultations.Indicator{
				{ID: "sat", Question: "satisfaction", Measure: consultations.MeasureTop2Box, Baseline: 0.4, Target: 0.6},
			},
		},
		Title:  consultations.Text{"es": "¿Qué le parece la transmisión?", "pt": "O que acha da transmissão?"},
		Intro:  consultations.Text{"es": "Un minuto."},
		Opens:  time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
		Closes: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC),
		Status: consultations.StatusOpen,
		Questions: []consultations.Question{
			{ID: "channel", Kind: consultations.KindSingle, Text: consultations.Text{"es": "¿Por dónde?"}, Options: opts("yt", "tv", "radio")},
			{ID: "topics", Kind: consultations.KindMultiple, Text: consultations.Text{"es": "¿Qué temas?"}, Options: opts("a", "b", "c"), Max: 2},
			{ID: "satisfaction", Kind: consultations.KindSatisfaction, Text: consultations.Text{"es": "¿Satisfecho?"}},
			{ID: "nps", Kind: consultations.KindScale, Text: consultations.Text{"es": "¿Recomendaría?"}, Optional: true},
			{ID: "comment", Kind: consultations.KindText, Text: consultations.Text{"es": "¿Algo más?"}, MaxLength: 500, Optional: true,
				When: &consultations.Condition{Question: "channel", Is: []string{"yt", "tv"}}},
			{ID: "region", Kind: consultations.KindSingle, Text: consultations.Text{"es": "¿Región?"}, Options: opts("north", "south"), Demographic: true},
		},
	}
}

// putTest stores c, failing the test on error.
func putTest(t *testing.T, s *Store, c *consultations.Consultation) {
	t.Helper()
	if err := s.PutConsultation(context.Background(), c); err != nil {
		t.Fatalf("PutConsultation(%q): %v", c.Slug, err)
	}
}

func TestConsultationRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		c    *consultations.Consultation
	}{
		{"every kind of question", testConsultation("livestream-2026")},
		{"bare", &consultations.Consultation{Slug: "bare"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clk := openTest(t)
			putTest(t, s, tt.c)
			if !tt.c.Created.Equal(clk.Now()) || !tt.c.Updated.Equal(clk.Now()) {
				t.Errorf("Created, Updated = %v, %v; want both %v", tt.c.Created, tt.c.Updated, clk.Now())
			}
			got, err := s.Consultation(context.Background(), tt.c.Slug)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.c) {
				t.Errorf("got %+v\nwant %+v", got, tt.c)
			}
		})
	}
}

func TestConsultationsOrderedBySlug(t *testing.T) {
	s, _ := openTest(t)
	for _, slug := range []string{"b", "c", "a"} {
		putTest(t, s, testConsultation(slug))
	}
	list, err := s.Consultations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range list {
		got = append(got, c.Slug)
	}
	if want := []string{"a", "b", "c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("slugs = %v, want %v", got, want)
	}
}

func TestConsultationReturnsCopies(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	putTest(t, s, testConsultation("survey"))
	first, err := s.Consultation(ctx, "survey")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := s.Consultation(ctx, "survey")
	first.Title["es"] = "cambiado"
	first.Questions[0].Options[0].ID = "changed"
	first.Questions = first.Questions[:1]
	got, err := s.Consultation(ctx, "survey")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after changing a returned value, got %+v\nwant %+v", got, want)
	}
}

func TestPutConsultationUpdateKeepsResponsesAndCreated(t *testing.T) {
	ctx := context.Background()
	s, clk := openTest(t)
	created := clk.Now()
	putTest(t, s, testConsultation("survey"))
	r := testResponse("survey", "p1", true)
	if err := s.Commit(ctx, consultations.Change{Response: r}); err != nil {
		t.Fatal(err)
	}

	clk.Advance(time.Hour)
	edit := testConsultation("survey")
	edit.Created = time.Time{}
	edit.Title["es"] = "Nuevo título"
	edit.Questions = append(edit.Questions, consultations.Question{ID: "new", Kind: consultations.KindText})
	putTest(t, s, edit)

	got, err := s.Consultation(ctx, "survey")
	if err != nil {
		t.Fatal(err)
	}
	if !got.Created.Equal(created) {
		t.Errorf("Created = %v, want %v (kept)", got.Created, created)
	}
	if !got.Updated.Equal(clk.Now()) {
		t.Errorf("Updated = %v, want %v", got.Updated, clk.Now())
	}
	if got.Title["es"] != "Nuevo título" || got.Question("new") == nil {
		t.Errorf("edit not stored: title %q, question new %v", got.Title["es"], got.Question("new"))
	}
	if gotR, err := s.Response(ctx, "survey", "p1"); err != nil || !reflect.DeepEqual(gotR, r) {
		t.Errorf("Response after update = %+v, %v; want %+v", gotR, err, r)
	}
	if n, err := s.CountCompleted(ctx, "survey"); err != nil || n != 1 {
		t.Errorf("CountCompleted after update = %d, %v; want 1", n, err)
	}
}

func TestPutConsultationCheckUpdate(t *testing.T) {
	// testResponse answers channel (yt), topics (a, b), satisfaction and
	// comment; nps, region and option radio have no answers.
	tests := []struct {
		name string
		edit func(c *consultations.Consultation)
		want string // substring of the refusal; "" when the edit is allowed
	}{
		{
			name: "change the kind of an answered question",
			edit: func(c *consultations.Consultation) { c.Question("satisfaction").Kind = consultations.KindScale },
			want: "questions[2].kind: cannot change from satisfaction to scale",
		},
		{
			name: "remove a chosen option",
			edit: func(c *consultations.Consultation) { c.Question("channel").Options = c.Question("channel").Options[1:] },
			want: `option "yt" of question "channel" was chosen in 1 answer`,
		},
		{
			name: "remove a chosen option of a multiple question",
			edit: func(c *consultations.Consultation) { c.Question("topics").Options = c.Question("topics").Options[1:] },
			want: `option "a" of question "topics"`,
		},
		{
			name: "remove an answered question",
			edit: func(c *consultations.Consultation) { c.Questions = c.Questions[:4] },
			want: `question "comment" has 1 answer and cannot be removed`,
		},
		{
			name: "remove an option nobody chose",
			edit: func(c *consultations.Consultation) { c.Question("channel").Options = c.Question("channel").Options[:2] },
		},
		{
			name: "change the kind of an unanswered question",
			edit: func(c *consultations.Consultation) { c.Question("nps").Kind = consultations.KindSatisfaction },
		},
		{
			name: "reword and reorder",
			edit: func(c *consultations.Consultation) {
				c.Questions[0], c.Questions[1] = c.Questions[1], c.Questions[0]
				c.Question("channel").Options[0].Text = consultations.Text{"es": "YouTube"}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s, clk := openTest(t)
			putTest(t, s, testConsultation("survey"))
			if err := s.Commit(ctx, consultations.Change{Response: testResponse("survey", "p1", false)}); err != nil {
				t.Fatal(err)
			}
			before, err := s.Consultation(ctx, "survey")
			if err != nil {
				t.Fatal(err)
			}
			clk.Advance(time.Minute)

			edit := testConsultation("survey")
			tt.edit(edit)
			err = s.PutConsultation(ctx, edit)
			after, gerr := s.Consultation(ctx, "survey")
			if gerr != nil {
				t.Fatal(gerr)
			}
			if tt.want == "" {
				if err != nil {
					t.Fatalf("PutConsultation: %v, want success", err)
				}
				if !after.Updated.Equal(clk.Now()) {
					t.Errorf("Updated = %v, want %v", after.Updated, clk.Now())
				}
				return
			}
			wantCode(t, err, consultations.EINVALID)
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
			if !reflect.DeepEqual(after, before) {
				t.Errorf("refused edit changed the stored consultation:\ngot  %+v\nwant %+v", after, before)
			}
			if !edit.Updated.IsZero() {
				t.Errorf("refused edit set Updated = %v on the caller's value", edit.Updated)
			}
		})
	}
}

func TestPutConsultationWithoutSlug(t *testing.T) {
	s, _ := openTest(t)
	err := s.PutConsultation(context.Background(), &consultations.Consultation{})
	wantCode(t, err, consultations.EINVALID)
	list, _ := s.Consultations(context.Background())
	if len(list) != 0 {
		t.Errorf("stored %d consultations, want 0", len(list))
	}
}
