package exchange

// Page sizes for connections (DESIGN §3).
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// PageArgs asks for one page of a keyset-paginated list.
type PageArgs struct {
	First int
	// After is the opaque cursor of the last item of the previous page.
	After string
	// WithTotal asks for the total count too; it costs a second query, so only when the
	// client selected `totalCount`.
	WithTotal bool
	// NoCursors says the client selected no cursor (edges.cursor, pageInfo's
	// startCursor and endCursor): a list may then leave the page's cursors empty
	// instead of encoding one per row.
	NoCursors bool
}

// CheckPageArgs applies the default and refuses sizes outside 1..100.
func CheckPageArgs(first *int, after *string, withTotal bool) (PageArgs, error) {
	a := PageArgs{First: DefaultPageSize, WithTotal: withTotal}
	if first != nil {
		if err := CheckFirst(*first); err != nil {
			return a, err
		}
		a.First = *first
	}
	if after != nil {
		a.After = *after
	}
	return a, nil
}

// Page is one page of a list, each item with its cursor.
type Page[T any] struct {
	Items       []T
	Cursors     []string
	HasNextPage bool
	HasPrevious bool
	TotalCount  int
	// Centers are the items' centers when the list read them with the page (one
	// statement instead of a second batch), for the API to serve nested centers from.
	Centers []*Center
}
