package main

import (
	"os"
	"testing"

	"github.com/laborx/laborx/internal/pgtest"
)

// TestMain fails the package when its tests leave temporary folders or relocated
// clusters behind (the commands start real embedded clusters).
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
