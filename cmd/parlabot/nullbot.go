package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"
)

// nullBot is the load test's baseline (a hidden command): a bot that takes
// updates, by long polling or a webhook like `run`, decodes them and
// acknowledges them, and does nothing else: no database, no answers. Its
// rate is what the machine and the emulator allow any bot, so parlabot's
// own cost shows as a share of it.
func (m *Main) nullBot(ctx context.Context, args []string) error {
	var c common
	fs := m.flags("nullbot", &c)
	var hook webhookFlags
	hook.register(m, fs)
	if err := m.parse(fs, args); err != nil {
		return err
	}
	if err := hook.check(); err != nil {
		return err
	}
	if c.token == "" {
		return usagef("nullbot needs a bot token: pass --token")
	}
	defer m.cpuProfile()()
	api := &nullAPI{base: strings.TrimRight(c.apiURL, "/") + "/bot" + c.token + "/", http: &http.Client{Timeout: time.Minute}}
	if hook.url == "" {
		return api.poll(ctx)
	}
	return api.serveWebhook(ctx, hook)
}

// nullAPI makes the null bot's few Bot API calls.
type nullAPI struct {
	base string // .../bot<token>/
	http *http.Client
}

// call posts params to a Bot API method and decodes the result into res.
func (a *nullAPI) call(ctx context.Context, method string, params, res any) error {
	body, err := json.Marshal(params)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+method, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var answer struct {
		OK          bool            `json:"ok"`
		Result      json.RawMessage `json:"result"`
		Description string          `json:"description"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	if !answer.OK {
		return fmt.Errorf("%s: %d %s", method, resp.StatusCode, answer.Description)
	}
	if res == nil {
		return nil
	}
	return json.Unmarshal(answer.Result, res)
}

// poll takes updates by long polling, each batch confirmed by the next
// call's offset, until ctx ends.
func (a *nullAPI) poll(ctx context.Context) error {
	var offset int64
	for ctx.Err() == nil {
		var updates []models.Update
		err := a.call(ctx, "getUpdates", map[string]any{"offset": offset, "timeout": 30, "limit": 100,
			"allowed_updates": []string{"message", "callback_query"}}, &updates)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			if strings.Contains(err.Error(), " 401 ") {
				return errors.New("telegram refused the token")
			}
			time.Sleep(200 * time.Millisecond)
			continue
		}
		if n := len(updates); n > 0 {
			offset = updates[n-1].ID + 1
		}
	}
	if offset > 0 {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return a.call(cctx, "getUpdates", map[string]any{"offset": offset, "timeout": 0}, nil)
	}
	return nil
}

// serveWebhook has Telegram post updates to a webhook that decodes each
// and answers 200, until ctx ends.
func (a *nullAPI) serveWebhook(ctx context.Context, hook webhookFlags) error {
	secret := hook.secret
	if secret == "" {
		key := make([]byte, 24)
		rand.Read(key)
		secret = base64.RawURLEncoding.EncodeToString(key)
	}
	ln, err := net.Listen("tcp", hook.listen)
	if err != nil {
		return fmt.Errorf("cannot listen for the webhook on %s: %w", hook.listen, err)
	}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Telegram-Bot-Api-Secret-Token") != secret {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var u models.Update
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil || json.Unmarshal(body, &u) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusOK)
	})}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	err = a.call(ctx, "setWebhook", map[string]any{"url": hook.url, "secret_token": secret, "max_connections": 40,
		"allowed_updates": []string{"message", "callback_query"}}, nil)
	if err != nil {
		srv.Close()
		return err
	}
	select {
	case <-ctx.Done():
	case err := <-served:
		return err
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = a.call(sctx, "deleteWebhook", map[string]any{}, nil)
	return srv.Shutdown(sctx)
}
