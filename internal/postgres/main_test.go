package postgres_test

import (
	"os"
	"testing"

	"github.com/laborx/laborx/internal/pgtest"
)

// TestMain stops the throwaway PostgreSQL cluster after the tests.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
