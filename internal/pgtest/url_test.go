package pgtest

import (
	"testing"

	"github.com/peterldowns/pgtestdb"
)

func TestConfigFromURL(t *testing.T) {
	tests := []struct {
		name string
		dsn  string
		want pgtestdb.Config
	}{
		{
			name: "Full",
			dsn:  "postgres://admin:secret@db.local:6543/admin?sslmode=disable",
			want: pgtestdb.Config{Host: "db.local", Port: "6543", User: "admin", Password: "secret", Database: "admin", Options: "sslmode=disable"},
		},
		{
			name: "Defaults",
			dsn:  "postgresql://admin@db.local",
			want: pgtestdb.Config{Host: "db.local", Port: "5432", User: "admin", Database: "postgres"},
		},
		{
			name: "EscapedPassword",
			dsn:  "postgres://admin:p%40ss%3Aw%2Fd@127.0.0.1:5432/postgres",
			want: pgtestdb.Config{Host: "127.0.0.1", Port: "5432", User: "admin", Password: "p%40ss%3Aw%2Fd", Database: "postgres"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := configFromURL(tt.dsn)
			if err != nil {
				t.Fatal(err)
			}
			tt.want.DriverName = "pgx"
			if got != tt.want {
				t.Errorf("configFromURL(%q)\n got %+v\nwant %+v", tt.dsn, got, tt.want)
			}
		})
	}

	if _, err := configFromURL("host=db.local user=admin"); err == nil {
		t.Error("a key=value DSN was accepted; want an error asking for a postgres:// URL")
	}
}
