package apitest_test

import (
	"context"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/devdb"
)

// startStandby makes a streaming-replication standby of the primary with pg_basebackup
// and starts it; it lives in the primary's folder and goes with it.
func startStandby(t *testing.T, primary *restartableCluster) *devdb.Cluster {
	t.Helper()
	bins, err := devdb.FindBinaries()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(primary.dir, "standby", "pg")
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(filepath.Join(filepath.Dir(bins.Postgres), "pg_basebackup"),
		"-D", dir, "-R", "-X", "stream", "--checkpoint=fast", "-d", primary.c.DSN("postgres")).CombinedOutput()
	if err != nil {
		t.Fatalf("pg_basebackup: %v\n%s", err, out)
	}
	if os.Geteuid() == 0 {
		// The cluster runs as the postgres OS user; pg_basebackup wrote as root.
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatal(err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		err = filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(p, uid, gid)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := devdb.Start(ctx, devdb.Options{Dir: dir})
	if err != nil {
		t.Fatalf("start the standby: %v", err)
	}
	t.Cleanup(func() { _ = c.Stop(context.Background()) })
	return c
}

// TestLaggingReplicaStatisticsFromPrimary runs a real streaming replica. While it keeps
// up, statistics read it; once its replay is paused and the primary moves on, its lag
// (pg_last_xact_replay_timestamp) passes --read-max-lag and statistics read the
// primary, with a metric and a log line; /readyz stays 200. Resumed, it serves again.
func TestLaggingReplicaStatisticsFromPrimary(t *testing.T) {
	primary := newRestartableCluster(t)
	standby := startStandby(t, primary)
	logs := &lockedBuffer{}
	e := apitest.NewWith(t, apitest.Options{DSN: primary.DSN, ReadDatabaseURL: standby.DSN("laborx"),
		ReadMaxLag: 3 * time.Second, Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	ctx := context.Background()
	// A heartbeat on the primary keeps an idle replica from looking behind.
	beat, err := pgx.Connect(ctx, primary.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer beat.Close(ctx)
	if _, err := beat.Exec(ctx, `CREATE TABLE heartbeat (at timestamptz)`); err != nil {
		t.Fatal(err)
	}
	stopBeat := make(chan struct{})
	beatDone := make(chan struct{})
	go func() {
		defer close(beatDone)
		for {
			select {
			case <-stopBeat:
				return
			case <-time.After(200 * time.Millisecond):
				_, _ = beat.Exec(ctx, `INSERT INTO heartbeat VALUES (now())`)
			}
		}
	}()
	defer func() { close(stopBeat); <-beatDone }()

	hpg := e.AddCenter(t, "HPG", "31")
	tok := hpg.Token(t, "viewer")
	waitUntil(t, "statistics read the replica", func() bool {
		return strings.Contains(metrics(t, e), "\nlaborx_read_replica_in_use 1\n")
	})
	replica, err := pgx.Connect(ctx, standby.DSN("laborx"))
	if err != nil {
		t.Fatal(err)
	}
	defer replica.Close(ctx)
	if _, err := replica.Exec(ctx, `SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatal(err)
	}
	mustPublishDemand(t, e, hpg.Token(t, "publisher"), map[string]any{"quantity": 12})
	waitUntil(t, "statistics leave the lagging replica", func() bool {
		return strings.Contains(metrics(t, e), "\nlaborx_read_replica_in_use 0\n")
	})
	fields := []string{"province", "occupation", "demandPositions", "supplyWorkers", "shortage"}
	wantRows(t, "primary", rows(t, e.Do(t, tok, statsMarketBalanceDefault, nil), "stats.marketBalance", fields...), "31 81 12 0 12")
	if got := status(t, e.Server.URL+"/readyz"); got != 200 {
		t.Errorf("/readyz with a lagging replica: %d, want 200", got)
	}
	if !strings.Contains(logs.String(), `"msg":"statistics read the primary: read replica lags beyond --read-max-lag"`) {
		t.Errorf("no log line says statistics left the lagging replica")
	}
	if _, err := replica.Exec(ctx, `SELECT pg_wal_replay_resume()`); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "statistics read the replica again", func() bool {
		return strings.Contains(metrics(t, e), "\nlaborx_read_replica_in_use 1\n")
	})
	wantRows(t, "replica", rows(t, e.Do(t, tok, statsMarketBalanceDefault, nil), "stats.marketBalance", fields...), "31 81 12 0 12")
}
