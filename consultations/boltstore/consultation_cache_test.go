package boltstore

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/parlabot/parlabot/consultations"
)

// A consultation read again is decoded once and copied after: every copy
// must be the consultation as stored, whatever the caller did to an earlier
// one, and nothing in it shared with the store's. The check walks every
// field, so a field added to Consultation that the copy forgets fails here.
func TestConsultationCopySharesNothing(t *testing.T) {
	c := testConsultation("survey")
	d := cloneConsultation(c)
	if !reflect.DeepEqual(c, d) {
		t.Fatalf("copy differs:\n%+v\n%+v", d, c)
	}
	var shared []string
	var walk func(path string, a, b reflect.Value)
	walk = func(path string, a, b reflect.Value) {
		switch a.Kind() {
		case reflect.Pointer:
			if a.IsNil() {
				return
			}
			if a.Pointer() == b.Pointer() {
				shared = append(shared, path)
			}
			walk(path, a.Elem(), b.Elem())
		case reflect.Map:
			if a.Len() > 0 && a.UnsafePointer() == b.UnsafePointer() {
				shared = append(shared, path)
			}
		case reflect.Slice:
			if a.Len() > 0 && a.UnsafePointer() == b.UnsafePointer() {
				shared = append(shared, path)
			}
			for i := range a.Len() {
				walk(path+"[i]", a.Index(i), b.Index(i))
			}
		case reflect.Struct:
			for i := range a.NumField() {
				walk(path+"."+a.Type().Field(i).Name, a.Field(i), b.Field(i))
			}
		}
	}
	walk("Consultation", reflect.ValueOf(c), reflect.ValueOf(d))
	slices.Sort(shared)
	if shared = slices.Compact(shared); len(shared) > 0 {
		t.Errorf("the copy shares %q with the original; copy them in cloneConsultation", shared)
	}
}

// Every write to a consultation shows in the next read, by Consultation
// and by Consultations, although reads are served from what was decoded
// before.
func TestConsultationReadAfterWrite(t *testing.T) {
	ctx := context.Background()
	s, clk := openTest(t)
	putTest(t, s, testConsultation("survey"))
	read := func(what string) (*consultations.Consultation, *consultations.Consultation) {
		t.Helper()
		one, err := s.Consultation(ctx, "survey")
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		all, err := s.Consultations(ctx)
		if err != nil || len(all) != 1 {
			t.Fatalf("%s: Consultations = %d, %v", what, len(all), err)
		}
		return one, all[0]
	}
	read("first read")

	changed := testConsultation("survey")
	changed.Title["es"] = "Nuevo título"
	changed.Status = consultations.StatusClosed
	clk.Advance(1)
	putTest(t, s, changed)
	one, listed := read("after an edit")
	for _, c := range []*consultations.Consultation{one, listed} {
		if c.Title["es"] != "Nuevo título" || c.Status != consultations.StatusClosed {
			t.Errorf("after an edit: title %q, status %s; want the new ones", c.Title["es"], c.Status)
		}
	}

	if _, err := s.Anonymise(ctx, "survey"); err != nil {
		t.Fatal(err)
	}
	one, listed = read("after Anonymise")
	if one.Anonymised.IsZero() || listed.Anonymised.IsZero() {
		t.Errorf("after Anonymise the consultation reads as not anonymised")
	}
}
