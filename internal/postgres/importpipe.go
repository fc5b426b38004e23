package postgres

import (
	"io"
	"time"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/csvimport"
	"github.com/laborx/laborx/internal/exchange"
)

// importChunkRows is how many checked rows an import hands PostgreSQL at a time: small
// enough that the first chunk is written soon after the file starts being read, large
// enough that a 100,000-row file is 20 chunks of two statements each.
var importChunkRows = 5000

// importChunk is a run of good rows, ready for COPY, with their outbox rows.
type importChunk struct {
	rows, changes [][]any
	checked       int // rows of the file checked when the chunk was sent
}

// importRead is the outcome of reading a whole file: how many data rows it has, the
// errors of its bad rows, and err when the file as a whole could not be read.
type importRead struct {
	rows   int
	errors []*exchange.ImportRowError
	err    error
}

// importCheck reads and checks an import file in a goroutine of its own, so that the
// transaction writes one chunk while the next is checked: the two use both cores.
type importCheck struct {
	chunks <-chan importChunk
	done   <-chan importRead // after chunks is closed
	halt   chan struct{}
}

// startCheck starts checking the file. The good rows come in chunks until the file
// ends; without partial, the chunks stop at the first bad row (nothing will be
// written), while the checking goes on to the end so that every bad row is reported.
// Call stop when done with it.
func startCheck(imp importer, r io.Reader, partial bool, center importCenter, actor outboxActor, now time.Time) *importCheck {
	chunks := make(chan importChunk, 2)
	done := make(chan importRead, 1)
	c := &importCheck{chunks: chunks, done: done, halt: make(chan struct{})}
	go func() {
		defer close(done)
		var out importRead
		var chunk importChunk
		checked, halted := 0, false
		send := func() {
			select {
			case chunks <- chunk:
			case <-c.halt:
				halted = true
			}
			chunk = importChunk{}
		}
		out.rows, out.err = csvimport.Read(r, imp.spec, func(row *csvimport.Row) {
			if halted {
				return
			}
			checked++
			values, ch, payload, ok := imp.row(row, uuid.Must(uuid.NewV7()), center, now)
			if !ok {
				out.errors = append(out.errors, row.Errors...)
				return
			}
			if len(out.errors) > 0 && !partial {
				return
			}
			change, err := actor.outboxRow(ch, payload, now)
			if err != nil {
				out.err, halted = err, true
				return
			}
			if chunk.rows == nil {
				size := min(importChunkRows, max(row.FileLines-checked, 1))
				chunk.rows, chunk.changes = make([][]any, 0, size), make([][]any, 0, size)
			}
			chunk.rows, chunk.changes = append(chunk.rows, values), append(chunk.changes, change)
			if len(chunk.rows) == importChunkRows {
				chunk.checked = checked
				send()
			}
		})
		if len(chunk.rows) > 0 && !halted && out.err == nil && (partial || len(out.errors) == 0) {
			chunk.checked = checked
			send()
		}
		close(chunks)
		done <- out
	}()
	return c
}

// stop ends the checking early if it is still running (the transaction failed, or an
// idempotent replay needs no rows) and waits for its goroutine.
func (c *importCheck) stop() {
	close(c.halt)
	for range c.chunks {
	}
	<-c.done
}
