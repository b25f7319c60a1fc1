// Command liveroster-db runs FerretDB (MongoDB wire protocol) for LiveRoster's
// embedded default: SQLite storage under -data, or PostgreSQL with -postgresql.
//
// We embed the ferretdb package instead of building cmd/ferretdb because the
// latter panics at start without generated build/version files that are not
// part of the Go module.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	_ "modernc.org/sqlite"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	dataDir := flag.String("data", "./data/db", "directory for the SQLite files")
	pgURL := flag.String("postgresql", "", "store in PostgreSQL at this URL instead of SQLite")
	verbose := flag.Bool("verbose", false, "log every connection (FerretDB's info level)")
	flag.Parse()

	// FerretDB logs every unsupported command (e.g. the driver's endSessions) at WARN: too noisy.
	level := slog.LevelError
	if *verbose {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	cfg := &ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: *listen},
		Logger:   logger,
	}
	if *pgURL != "" {
		cfg.Handler = "postgresql"
		cfg.PostgreSQLURL = *pgURL
	} else {
		abs, err := filepath.Abs(*dataDir)
		if err != nil {
			log.Fatal(err)
		}
		if err := os.MkdirAll(abs, 0o755); err != nil {
			log.Fatal(err)
		}
		cfg.Handler = "sqlite"
		cfg.SQLiteURL = "file:" + abs + "/"
	}

	f, err := ferretdb.New(cfg)
	if err != nil {
		log.Fatal(err)
	}

	// SIGTERM/SIGINT cancel the context; Run returns after closing listeners.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cfg.Handler == "sqlite" {
		go indexIDPaths(ctx, cfg.SQLiteURL[len("file:"):], logger)
	}
	f.Run(ctx)
}

// indexIDPaths gives every collection table an index on the exact expression
// FerretDB's SQLite backend filters `_id` lookups by.
//
// Why: FerretDB v1.24 pushes a `{_id: x}` filter down as
// `WHERE _ferretdb_sjson->'$._id' = ?`, but indexes `_id` as
// `_ferretdb_sjson->"_id"`. SQLite only uses an expression index for the same
// expression, so every by-id read or update scanned the whole table (the hot
// paths of live sessions and month roll-ups are by-id by design). The extra
// index is invisible to FerretDB (its metadata lists indexes itself) and is
// dropped with its table. Collections appear at any time, so the pass repeats.
func indexIDPaths(ctx context.Context, dir string, logger *slog.Logger) {
	for {
		files, _ := filepath.Glob(filepath.Join(dir, "*.sqlite"))
		for _, file := range files {
			if err := indexIDPathsIn(ctx, file); err != nil && ctx.Err() == nil {
				logger.Warn("indexing _id paths", "file", file, "error", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(3 * time.Second):
		}
	}
}

func indexIDPathsIn(ctx context.Context, file string) error {
	// mode=rw: never create a database file FerretDB has not created (or has just dropped).
	db, err := sql.Open("sqlite", "file:"+file+"?mode=rw&_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	// Only tables without the index: a dropped and re-created collection keeps its table name.
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM "_ferretdb_collections" WHERE 'liveroster_id_path_' || table_name NOT IN (SELECT name FROM sqlite_master WHERE type = 'index')`)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, t)
	}
	rows.Close()
	for _, t := range tables {
		name := "liveroster_id_path_" + t
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`, name, t)
		if _, err := db.ExecContext(ctx, q); err != nil {
			// The table may have been dropped since the listing: try again next pass.
			if strings.Contains(err.Error(), "no such table") {
				continue
			}
			return err
		}
	}
	return nil
}
