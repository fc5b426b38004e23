package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/laborx/laborx/internal/exchange"
)

// Media types of GraphQL over HTTP.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// httpTransport serves GraphQL over HTTP as the GraphQL-over-HTTP specification says,
// in place of gqlgen's POST and GET transports: a request that is not a well-formed
// GraphQL request is 400 and never echoed back; under application/json a query that
// does not parse or validate is 200, under application/graphql-response+json it is 400
// with no data entry; GET runs queries only; text is checked for valid UTF-8 before the
// JSON decoder would silently replace what is not.
type httpTransport struct {
	// maxQuery bounds the query document: a longer one is refused before it is lexed
	// (Limits.MaxQueryBytes).
	maxQuery int
}

var _ graphql.Transport = httpTransport{}

func (httpTransport) Supports(r *http.Request) bool { return !isWebsocket(r) }

func (t httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	media := responseMediaType(r.Header.Get("Accept"))
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	start := graphql.Now()
	var params *graphql.RawParams
	var err error
	switch r.Method {
	case http.MethodGet:
		params, err = t.paramsFromURL(r.URL.RawQuery)
	case http.MethodPost:
		params, err = t.paramsFromBody(r)
	default:
		w.Header().Set("Allow", "GET, POST")
		writeRequestError(w, http.StatusMethodNotAllowed, exchange.CodeBadUserInput, "GraphQL is served over POST, GET (queries) and websocket")
		return
	}
	if err != nil {
		reqErr := &requestError{http.StatusBadRequest, exchange.CodeBadUserInput, "malformed request"}
		errors.As(err, &reqErr)
		status := reqErr.status
		if status == 0 {
			status = graphQLErrorStatus(media)
		}
		writeRequestError(w, status, reqErr.code, reqErr.msg)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	rc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		w.WriteHeader(graphQLErrorStatus(media))
		writeBody(w, struct {
			Errors     gqlerror.List  `json:"errors"`
			Extensions map[string]any `json:"extensions,omitempty"`
		}{resp.Errors, resp.Extensions})
		return
	}
	switch {
	case rc.Operation.Operation == ast.Subscription:
		// Over HTTP it would hold the request open until an event comes.
		writeRequestError(w, http.StatusBadRequest, exchange.CodeBadUserInput,
			"subscriptions are served over websocket (graphql-transport-ws)")
		return
	case r.Method == http.MethodGet && rc.Operation.Operation != ast.Query:
		// A GET can be sent by a link or a prefetch: it must not change anything.
		w.Header().Set("Allow", "POST")
		writeRequestError(w, http.StatusMethodNotAllowed, exchange.CodeBadUserInput, "GET runs queries only; send mutations with POST")
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	writeResponse(w, responses(ctx))
}

// graphQLErrorStatus is the status of a request refused before execution (parse,
// validation, variables, limits): under application/json the GraphQL response says
// what is wrong and the status is 200; the GraphQL response type says it with 400.
func graphQLErrorStatus(media string) int {
	if media == mediaGraphQLResponse {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// responseMediaType picks the response media type from Accept: the GraphQL response
// type when the client lists it first, else application/json (also for a missing or
// unknown Accept, as older clients expect).
func responseMediaType(accept string) string {
	for part := range strings.SplitSeq(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case mediaGraphQLResponse:
			return mediaGraphQLResponse
		case mediaJSON, "application/*", "*/*":
			return mediaJSON
		}
	}
	return mediaJSON
}

// requestError is a request refused before it reached GraphQL.
type requestError struct {
	status int // 0: as a GraphQL request error (graphQLErrorStatus)
	code   exchange.Code
	msg    string
}

func (e *requestError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &requestError{status: http.StatusBadRequest, code: exchange.CodeBadUserInput, msg: fmt.Sprintf(format, args...)}
}

func (t httpTransport) paramsFromBody(r *http.Request) (*graphql.RawParams, error) {
	mt, mtParams, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != mediaJSON {
		// text/plain and form posts are what a browser sends cross-site without asking.
		return nil, &requestError{http.StatusUnsupportedMediaType, exchange.CodeBadUserInput,
			"send the request as Content-Type: application/json"}
	}
	if cs, ok := mtParams["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return nil, &requestError{http.StatusUnsupportedMediaType, exchange.CodeBadUserInput, "the request body must be UTF-8"}
	}
	body, err := io.ReadAll(r.Body)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, &requestError{http.StatusRequestEntityTooLarge, exchange.CodeBadUserInput,
			fmt.Sprintf("request body is larger than %d bytes", tooLarge.Limit)}
	}
	if err != nil {
		return nil, badRequest("could not read the request body")
	}
	body = bytes.TrimSpace(body)
	switch {
	case len(body) == 0:
		return nil, badRequest(`the request body is empty; send {"query": "..."}`)
	case body[0] == '[':
		return nil, badRequest("batched requests are not supported: send one operation per request")
	case body[0] != '{':
		return nil, badRequest(`the request body must be a JSON object {"query": "..."}`)
	}
	if err := checkJSONText(body, ""); err != nil {
		return nil, err
	}
	var raw map[string]any
	if err := decodeJSON(body, &raw); err != nil {
		return nil, badRequest("the request body is not valid JSON: %s", jsonProblem(err))
	}
	return t.rawParams(raw)
}

func (t httpTransport) paramsFromURL(rawQuery string) (*graphql.RawParams, error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, badRequest("the URL query is malformed")
	}
	raw := map[string]any{}
	for _, name := range []string{"query", "operationName"} {
		if q.Has(name) {
			if err := checkText(q.Get(name), name); err != nil {
				return nil, err
			}
			raw[name] = q.Get(name)
		}
	}
	for _, name := range []string{"variables", "extensions"} {
		if v := q.Get(name); v != "" {
			if err := checkJSONText([]byte(v), name); err != nil {
				return nil, err
			}
			var decoded any
			if err := decodeJSON([]byte(v), &decoded); err != nil {
				return nil, badRequest("%s is not valid JSON: %s", name, jsonProblem(err))
			}
			raw[name] = decoded
		}
	}
	return t.rawParams(raw)
}

// decodeJSON decodes one JSON value, numbers as json.Number so Int64 amounts beyond
// 2^53 stay exact, and refuses anything after it.
func decodeJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the JSON value")
	}
	return nil
}

// rawParams checks the types of the request parameters.
func (t httpTransport) rawParams(raw map[string]any) (*graphql.RawParams, error) {
	p := &graphql.RawParams{}
	var ok bool
	switch q := raw["query"].(type) {
	case nil:
		return nil, badRequest(`the request has no "query"`)
	case string:
		p.Query = q
	default:
		return nil, badRequest(`"query" must be a string`)
	}
	if t.maxQuery > 0 && len(p.Query) > t.maxQuery {
		return nil, &requestError{0, exchange.CodeQueryTooComplex,
			fmt.Sprintf("the query document is larger than %d bytes", t.maxQuery)}
	}
	if v := raw["operationName"]; v != nil {
		if p.OperationName, ok = v.(string); !ok {
			return nil, badRequest(`"operationName" must be a string or null`)
		}
	}
	if v := raw["variables"]; v != nil {
		if p.Variables, ok = v.(map[string]any); !ok {
			return nil, badRequest(`"variables" must be an object or null`)
		}
	}
	if v := raw["extensions"]; v != nil {
		if p.Extensions, ok = v.(map[string]any); !ok {
			return nil, badRequest(`"extensions" must be an object or null`)
		}
	}
	return p, nil
}

// jsonProblem describes a JSON syntax error by its position, never by the input.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("syntax error at byte %d", syn.Offset)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Sprintf("unexpected %s at byte %d", typ.Value, typ.Offset)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "it ends too early"
	}
	return "malformed"
}

// writeRequestError answers a request that never reached GraphQL execution.
func writeRequestError(w http.ResponseWriter, status int, code exchange.Code, msg string) {
	w.WriteHeader(status)
	writeBody(w, map[string]any{
		"errors": []map[string]any{{"message": msg, "extensions": map[string]any{"code": code}}},
	})
}

// writeResponse writes a GraphQL response with its data as gqlgen marshalled it:
// json.Marshal would re-scan and copy the whole document (a json.RawMessage is
// compacted and validated), about as much work again as writing it. Only errors and
// extensions, small, go through encoding/json. The body goes in one Write with its
// Content-Length: written in parts, net/http would send it chunked, and the last
// part and the chunked terminator in one more write to the socket after the handler.
func writeResponse(w http.ResponseWriter, resp *graphql.Response) {
	if resp == nil || resp.Label != "" || resp.Path != nil || resp.HasNext != nil {
		writeBody(w, resp) // incremental delivery parts are not served over this transport
		return
	}
	var head, tail []byte
	if len(resp.Errors) > 0 {
		b, err := json.Marshal(resp.Errors)
		if err != nil {
			writeBody(w, resp)
			return
		}
		head = append(append([]byte(`{"errors":`), b...), `,"data":`...)
	} else {
		head = []byte(`{"data":`)
	}
	if len(resp.Extensions) > 0 {
		b, err := json.Marshal(resp.Extensions)
		if err != nil {
			writeBody(w, resp)
			return
		}
		tail = append([]byte(`,"extensions":`), b...)
	}
	tail = append(tail, '}')
	data := []byte(resp.Data)
	if len(data) == 0 {
		data = []byte("null")
	}
	buf := renderBuffers.Get().(*bytes.Buffer)
	buf.Grow(len(head) + len(data) + len(tail))
	buf.Write(head)
	buf.Write(data)
	buf.Write(tail)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = w.Write(buf.Bytes())
	putRenderBuffer(buf)
}

// renderRootFields marshals each root field of a query into a pooled buffer and hands
// it to gqlgen's response buffer in one write. That buffer starts empty and would
// otherwise grow by doubling through the whole document (64 bytes to 32 KiB for the
// 21 KB of 50 demands: 64 KB allocated and copied per request); with one write it is
// allocated once at the document's size. Null stays Null: gqlgen compares the value to
// propagate a null.
func renderRootFields(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	m := next(ctx)
	if m == graphql.Null || m == graphql.RequiredNull || graphql.GetOperationContext(ctx).Operation.Operation != ast.Query {
		return m
	}
	return rendered{m}
}

type rendered struct{ graphql.Marshaler }

// maxPooledRender bounds the buffers kept: one very large answer must not stay in
// memory for the next small ones.
const maxPooledRender = 1 << 20

var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (r rendered) MarshalGQL(w io.Writer) {
	buf := renderBuffers.Get().(*bytes.Buffer)
	r.Marshaler.MarshalGQL(buf)
	_, _ = w.Write(buf.Bytes())
	putRenderBuffer(buf)
}

// putRenderBuffer returns buf to renderBuffers unless it grew over maxPooledRender.
func putRenderBuffer(buf *bytes.Buffer) {
	if buf.Cap() <= maxPooledRender {
		buf.Reset()
		renderBuffers.Put(buf)
	}
}

func writeBody(w io.Writer, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}`)
	}
	_, _ = w.Write(b)
}
