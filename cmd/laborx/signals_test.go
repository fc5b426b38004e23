package main

import (
	"context"
	"io"
	"syscall"
	"testing"
	"time"
)

// TestSecondSignalStopsAtOnce sends the process itself SIGTERM twice: the first starts
// the graceful stop (the context ends), the second exits at once.
func TestSecondSignalStopsAtOnce(t *testing.T) {
	exited := make(chan int, 1)
	ctx, stop := signalContext(context.Background(), io.Discard, func(code int) { exited <- code })
	defer stop()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(time.Minute):
		t.Fatal("the first SIGTERM did not end the context")
	}
	select {
	case code := <-exited:
		t.Fatalf("exited with %d after one signal", code)
	default:
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-exited:
		if code == 0 {
			t.Errorf("exit code 0 after a forced stop")
		}
	case <-time.After(time.Minute):
		t.Fatal("the second SIGTERM did not stop the process")
	}
}
