package api

import (
	"encoding/json"
	"net/http"
)

// errorBody is every error answer: {"error": "..."}.
type errorBody struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v) // the client went away; nothing to do
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg})
}

// internal answers 500 without internals and logs the cause once per call.
func (s *server) internal(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("api request failed", "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, "internal error; see the aggregator's log")
}
