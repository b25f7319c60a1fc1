// Command liveroster-db runs FerretDB (MongoDB wire protocol) for LiveRoster's
// embedded default: SQLite storage under -data, or PostgreSQL with -postgresql.
//
// We embed the ferretdb package instead of building cmd/ferretdb because the
// latter panics at start without generated build/version files that are not
// part of the Go module.
package main

import (
	"context"
	"flag"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
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
	f.Run(ctx)
}
