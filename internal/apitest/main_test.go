package apitest_test

import (
	"os"
	"testing"

	"github.com/laborx/laborx/internal/pgtest"
)

func TestMain(m *testing.M) {
	os.Exit(pgtest.Main(m))
}
