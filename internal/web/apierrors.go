package web

import "net/http"

// An API error's body: what is wrong, in words for people ("error"), and
// a stable code for programs ("code"), one of errorCodes' or of the
// specific codes below (README "API" lists them all). A program tests the
// code, never the words, which may change.
type apiError struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

// The codes more specific than their status's default (errorCodes).
const (
	codeBadBody       = "bad_body"       // 400: the body is not the JSON asked for
	codeInvalidCursor = "invalid_cursor" // 400: a cursor the server did not make
	codeNoFollowUp    = "no_followup"    // 404: the letter is there, without a follow-up
	codeTooManyRows   = "too_many_rows"  // 400: more letters than an XLSX may hold (tooManyRows)
)

// errorCodes is the one place a status's default code is decided.
var errorCodes = map[int]string{
	http.StatusBadRequest:            "bad_request",
	http.StatusUnauthorized:          "unauthorized",
	http.StatusForbidden:             "forbidden",
	http.StatusNotFound:              "not_found",
	http.StatusMethodNotAllowed:      "method_not_allowed",
	http.StatusConflict:              "conflict",
	http.StatusRequestEntityTooLarge: "too_large",
	http.StatusUnsupportedMediaType:  "unsupported_media_type",
	http.StatusUnprocessableEntity:   "invalid",
	http.StatusInternalServerError:   "internal",
	http.StatusServiceUnavailable:    "unavailable",
}

// errorCode is status's default code ("error" for a status without one).
func errorCode(status int) string {
	if c, ok := errorCodes[status]; ok {
		return c
	}
	return "error"
}

// writeError answers an API request with status and an error body whose
// code is the status's default.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeErrorCode(w, status, errorCode(status), msg)
}

// writeErrorCode answers an API request with status and an error body of
// a code more specific than the status's default.
func writeErrorCode(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, apiError{Error: msg, Code: code})
}

// writeItemErrors answers a registration with status and its items'
// problems, {"errors":[...],"code":...}, the code the status's default.
func writeItemErrors(w http.ResponseWriter, status int, problems []itemError) {
	writeJSON(w, status, struct {
		Errors []itemError `json:"errors"`
		Code   string      `json:"code"`
	}{problems, errorCode(status)})
}
