package telegramtest

import (
	"context"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestNewerGetUpdatesEndsWaitingOneWith409(t *testing.T) {
	srv := New()
	defer srv.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()

	poll := func(timeout string) (int, error) {
		form := url.Values{"timeout": {timeout}}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL()+"/bot"+srv.Token()+"/getUpdates", strings.NewReader(form.Encode()))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	first := make(chan int, 1)
	go func() {
		code, err := poll("3600")
		if err != nil {
			t.Error(err)
		}
		first <- code
	}()
	// Wait until the first poll is registered as the waiting one.
	for {
		srv.mu.Lock()
		waiting := srv.pollCancel != nil
		srv.mu.Unlock()
		if waiting || ctx.Err() != nil {
			break
		}
		runtime.Gosched()
	}
	if code, err := poll("0"); err != nil || code != http.StatusOK {
		t.Fatalf("second poll = %d, %v", code, err)
	}
	if code := <-first; code != http.StatusConflict {
		t.Errorf("first poll = %d, want 409", code)
	}
}
