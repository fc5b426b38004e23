package graph

import (
	"github.com/laborx/laborx/graph/model"
	"github.com/laborx/laborx/internal/exchange"
)

// auditConnection maps a page of the audit trail to its connection; no page (the
// caller may not see the log) is null.
func auditConnection(p *exchange.Page[*exchange.AuditEntry]) *model.AuditEntryConnection {
	if p == nil {
		return nil
	}
	return &model.AuditEntryConnection{
		Edges: edges(p, func(c string, n *exchange.AuditEntry) *model.AuditEntryEdge {
			return &model.AuditEntryEdge{Cursor: c, Node: n}
		}),
		PageInfo:   pageInfo(p),
		TotalCount: p.TotalCount,
	}
}
