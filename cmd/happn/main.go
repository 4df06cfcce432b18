// Command happn runs a standalone happn server: JSON documents on paths,
// wildcard reads, search and publish/subscribe, spoken over happn-3's
// websocket protocol so that happn-3's node and browser clients work
// against it unchanged.
//
//	go run ./cmd/happn                       # :55000, data in ./happn.db
//	go run ./cmd/happn -data :memory:        # nothing persisted
//	go run ./cmd/happn -config happn.json    # settings from a file
//	go run ./cmd/happn -secure -admin-password s3cr3t   # clients must log in
//	go run ./cmd/happn -https                # TLS, self-signed certificate kept in ~/.happn-https-*
//	go run ./cmd/happn -metrics /metrics     # Prometheus metrics at http://host:55000/metrics
//	go run ./cmd/happn -secure -import-happn3 /var/happn/data.db   # move a happn-3 server's data here, then exit
//
// Flags override the config file. SIGINT or SIGTERM stops the server
// gracefully (clients reconnect when it comes back).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/happn-go/happn"
	"github.com/happn-go/happn/internal/cpuprofile"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "happn:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("happn", flag.ContinueOnError)
	configPath := fs.String("config", "", "JSON config file: ours, or a happn-3 server config saved as JSON (see README)")
	addr := fs.String("addr", happn.DefaultAddr, "listen address")
	data := fs.String("data", "happn.db", `data file, or ":memory:" to persist nothing`)
	name := fs.String("name", "", "server name (default: persisted random name)")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	https := fs.Bool("https", false, "serve over TLS (a self-signed certificate is generated unless -cert-file/-key-file)")
	certFile := fs.String("cert-file", "", "TLS certificate (PEM) for -https; generated here if missing")
	keyFile := fs.String("key-file", "", "TLS key (PEM) for -https; generated here if missing")
	secure := fs.Bool("secure", false, "secure mode: clients log in; users, groups and permissions (see docs/security.md)")
	adminPassword := fs.String("admin-password", "", "password of the _ADMIN user (or env HAPPN_ADMIN_PASSWORD, which keeps it out of ps)")
	production := fs.Bool("production", false, "refuse to start a secure server with the default _ADMIN password")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to this file until the server stops")
	metrics := fs.String("metrics", "", `serve Prometheus metrics at this HTTP path ("/metrics"), without login`)
	exportFile := fs.String("export-happn3", "", "write the data file's documents as a happn-3 data file (see -happn3-format), then exit: the way back")
	exportFormat := fs.String("happn3-format", "loki", `format of -export-happn3: "loki" (happn-3 13.x) or "nedb" (12.x)`)
	importFiles := fs.String("import-happn3", "", "import happn-3 data into the data file, then exit: data files (12.x nedb, 13.x loki) or a running server's URL (http://_ADMIN:pw@host:55000, or the password in $HAPPN3_PASSWORD); comma-separated")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		stop, err := cpuprofile.Start(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	fc := fileConfig{Addr: happn.DefaultAddr, Data: "happn.db", LogLevel: "info"}
	if *configPath != "" {
		loaded, err := loadConfig(*configPath)
		if err != nil {
			return err
		}
		fc = loaded
	}
	if set["addr"] || fc.Addr == "" {
		fc.Addr = *addr
	}
	if set["data"] || fc.Data == "" {
		fc.Data = *data
	}
	if set["name"] {
		fc.Name = *name
	}
	if set["log-level"] || fc.LogLevel == "" {
		fc.LogLevel = *logLevel
	}
	if *https {
		fc.Transport.Mode = "https"
	}
	if set["cert-file"] {
		fc.Transport.CertPath = *certFile
	}
	if set["key-file"] {
		fc.Transport.KeyPath = *keyFile
	}
	if *secure {
		fc.Secure = true
	}
	if *production {
		fc.Production = true
	}
	if set["metrics"] {
		fc.Metrics = *metrics
	}
	if set["admin-password"] {
		fc.AdminPassword = *adminPassword
	} else if pw := os.Getenv("HAPPN_ADMIN_PASSWORD"); pw != "" && fc.AdminPassword == "" {
		fc.AdminPassword = pw
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(fc.LogLevel)); err != nil {
		return fmt.Errorf("bad log level %q", fc.LogLevel)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	for _, note := range fc.notes {
		logger.Warn("happn-3 config: "+note, "config", *configPath)
	}
	cfg, err := fc.config(logger)
	if err != nil {
		return err
	}
	srv, err := happn.New(cfg)
	if err != nil {
		return err
	}
	if *exportFile != "" {
		err := exportHappn3(context.Background(), srv, *exportFile, *exportFormat, logger)
		if cerr := srv.Close(); err == nil {
			err = cerr
		}
		return err
	}
	if *importFiles != "" {
		err := importHappn3(context.Background(), srv, *importFiles, logger)
		if cerr := srv.Close(); err == nil {
			err = cerr
		}
		return err
	}

	fc.mount(srv)
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe(fc.Addr) }()
	logger.Info("happn listening", "addr", fc.Addr, "data", fc.Data, "name", srv.Name(), "secure", fc.Secure)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case err := <-errc:
		srv.Close()
		return err
	case s := <-sig:
		logger.Info("stopping", "signal", s.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
