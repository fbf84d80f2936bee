package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"
)

// The supervisor's control API, served on supervisor.sock (0600) and called by the verbs
// (callSupervisor): GET /status, POST /start|stop|pause|resume/<component>, POST /shutdown.
// Every answer is JSON: {ok, error, code (the verb's exit code), components}.

func (s *supervisor) handler(quit context.CancelFunc) http.Handler {
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, err error) {
		s.mu.Lock()
		b, _ := json.Marshal(map[string]any{"ok": err == nil, "error": errString(err), "code": errCode(err), "components": s.snapshot()})
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	}
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) { reply(w, nil) })
	mux.HandleFunc("POST /shutdown", func(w http.ResponseWriter, r *http.Request) {
		reply(w, nil)
		quit()
	})
	mux.HandleFunc("POST /{verb}/{name}", func(w http.ResponseWriter, r *http.Request) {
		c, ok := s.comps[r.PathValue("name")]
		if !ok {
			reply(w, exitErr{exitUsage, "unknown component " + r.PathValue("name")})
			return
		}
		var err error
		switch r.PathValue("verb") {
		case "start":
			err = s.start(c)
		case "stop":
			grace, perr := time.ParseDuration(r.URL.Query().Get("grace"))
			if perr != nil || grace <= 0 {
				grace = defaultGrace(c.spec.Name)
			}
			err = s.stop(c, grace)
		case "pause":
			err = s.pause(c, true)
		case "resume":
			err = s.pause(c, false)
		default:
			err = exitErr{exitUsage, "unknown verb " + r.PathValue("verb")}
		}
		reply(w, err)
	})
	return mux
}

func (s *supervisor) snapshot() map[string]compRun {
	out := map[string]compRun{}
	for n, c := range s.comps {
		out[n] = c.run
	}
	return out
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func errCode(err error) int {
	var ec exitCoder
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	if err != nil {
		return exitFailed
	}
	return 0
}
