package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
)

// getQueries is gqlgen's GET transport with every refusal in segql's
// error shape: gqlgen's own answers a mutation, or variables or extensions
// that are not JSON, with an error that has no extensions.code.
type getQueries struct{}

var _ graphql.Transport = getQueries{}

func (getQueries) Supports(r *http.Request) bool {
	return r.Method == http.MethodGet && r.Header.Get("Upgrade") == ""
}

func (getQueries) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		writeError(w, http.StatusBadRequest, CodeBadRequest, "the URL query string is malformed")
		return
	}
	raw := &graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName"), Headers: r.Header}
	raw.ReadTime.Start = graphql.Now()
	for _, p := range []struct {
		name string
		dst  *map[string]any
	}{{"variables", &raw.Variables}, {"extensions", &raw.Extensions}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		if err := decodeStrict(strings.NewReader(v), p.dst); err != nil {
			writeError(w, http.StatusBadRequest, CodeBadRequest, p.name+" must be a JSON object")
			return
		}
	}
	raw.ReadTime.End = graphql.Now()

	// Negotiate as gqlgen's POST transport does: the GraphQL-over-HTTP
	// media type answers a request it cannot run 400, application/json 422.
	contentType, protocolStatus := "application/json", http.StatusUnprocessableEntity
	if acceptsGraphQLResponse(r.Header.Get("Accept")) {
		contentType, protocolStatus = graphQLResponseType, http.StatusBadRequest
	}
	ctx := r.Context()
	opCtx, errs := exec.CreateOperationContext(ctx, raw)
	if errs != nil {
		status := http.StatusOK
		if errcode.GetErrorKind(errs) == errcode.KindProtocol {
			status = protocolStatus
		}
		writeResponse(w, contentType, status, exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs))
		return
	}
	if op := opCtx.Doc.Operations.ForName(opCtx.OperationName); op == nil || op.Operation != ast.Query {
		w.Header().Set("Allow", "POST")
		writeError(w, http.StatusMethodNotAllowed, CodeMethodNotAllowed, "GET runs queries only: send mutations with POST")
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, opCtx)
	writeResponse(w, contentType, http.StatusOK, responses(ctx))
}

const graphQLResponseType = "application/graphql-response+json"

// acceptsGraphQLResponse reports whether the first media type of an Accept
// header that names a JSON response is the GraphQL-over-HTTP one.
func acceptsGraphQLResponse(accept string) bool {
	for part := range strings.SplitSeq(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case graphQLResponseType:
			return true
		case "application/json", "application/*", "*/*":
			return false
		}
	}
	return false
}

func writeResponse(w http.ResponseWriter, contentType string, status int, res *graphql.Response) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(res)
}

// graphQLRequest is the shape of a JSON POST body, as gqlgen reads it.
type graphQLRequest struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
	Extensions    map[string]any `json:"extensions"`
}

// checkBody refuses a POST body that is not one GraphQL request object
// with BAD_REQUEST. gqlgen would answer it with a bare error that quotes
// the whole body back, which segql's error presenter can only call
// internal; and it would ignore anything after the first JSON value.
func checkBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			writeError(w, http.StatusBadRequest, CodeBadRequest, "the request body could not be read")
			return
		}
		if err := decodeStrict(bytes.NewReader(body), &graphQLRequest{}); err != nil {
			writeError(w, http.StatusBadRequest, CodeBadRequest,
				`the request body must be one JSON object: {"query", "operationName", "variables", "extensions"}`)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// decodeStrict decodes exactly one JSON value, numbers kept as json.Number
// as gqlgen keeps them.
func decodeStrict(r io.Reader, dst any) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the first JSON value")
	}
	return nil
}
