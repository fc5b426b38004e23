package exchange

// Codes of requests refused before any resolver runs (errors[].extensions.code).
const (
	// CodeQueryTooComplex: the query is too deep, has too many aliases, asks for too
	// many nodes or costs more than the server's limit.
	CodeQueryTooComplex Code = "QUERY_TOO_COMPLEX"
)
