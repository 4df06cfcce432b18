package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/happn-go/happn"
	"github.com/happn-go/happn/transport"
)

// fileConfig is the JSON config file: the fields of happn.Config, with
// durations as strings ("30s") or milliseconds, plus the listen address
// and log level.
type fileConfig struct {
	Addr             string   `json:"addr"`
	Data             string   `json:"data"`
	Name             string   `json:"name"`
	LogLevel         string   `json:"logLevel"`
	MaxMessageSize   int64    `json:"maxMessageSize"`
	QueueLimit       int      `json:"queueLimit"`
	SlowConsumer     string   `json:"slowConsumer"`
	PingInterval     duration `json:"pingInterval"`
	MissedHeartbeats int      `json:"missedHeartbeats"`
	// UnconfiguredSessionTimeout: secure servers drop clients that have
	// not logged in after it.
	UnconfiguredSessionTimeout duration `json:"unconfiguredSessionTimeout"`
	AcknowledgeTimeout         duration `json:"acknowledgeTimeout"`
	DefaultDepth               int      `json:"defaultDepth"`
	// Metrics is the HTTP path of the Prometheus metrics ("/metrics");
	// empty serves none.
	Metrics string `json:"metrics"`
	// The secure-mode settings (see securityConfig).
	securityConfig
	// Transport mirrors happn-3's transport config: mode "https" with the
	// certificate inline (cert, key: PEM) or in files (certPath, keyPath);
	// with neither, a self-signed pair is generated and kept.
	Transport struct {
		Mode     string `json:"mode"`
		Cert     string `json:"cert"`
		Key      string `json:"key"`
		CertPath string `json:"certPath"`
		KeyPath  string `json:"keyPath"`
		// KeepAliveTimeout: idle HTTP keep-alive connections close
		// after it (happn-3's transport keepAliveTimeout).
		KeepAliveTimeout duration `json:"keepAliveTimeout"`
	} `json:"transport"`

	// notes are what a happn-3 config held that did not translate
	// (fromHappn3), logged at start.
	notes []string
}

func loadConfig(path string) (fileConfig, error) {
	var fc fileConfig
	b, err := os.ReadFile(path)
	if err != nil {
		return fc, err
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(b, &top) == nil && isHappn3Config(top) {
		fc, notes, err := fromHappn3(b)
		fc.notes = notes
		if err != nil {
			err = fmt.Errorf("config %s: %w", path, err)
		}
		return fc, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fc); err != nil {
		return fc, fmt.Errorf("config %s: %w", path, err)
	}
	return fc, nil
}

func (fc fileConfig) config(logger *slog.Logger) (happn.Config, error) {
	cfg := happn.Config{
		Name:                       fc.Name,
		DataPath:                   fc.Data,
		MaxMessageSize:             fc.MaxMessageSize,
		QueueLimit:                 fc.QueueLimit,
		PingInterval:               time.Duration(fc.PingInterval),
		MissedHeartbeats:           fc.MissedHeartbeats,
		AcknowledgeTimeout:         time.Duration(fc.AcknowledgeTimeout),
		UnconfiguredSessionTimeout: time.Duration(fc.UnconfiguredSessionTimeout),
		DefaultDepth:               fc.DefaultDepth,
		KeepAliveTimeout:           time.Duration(fc.Transport.KeepAliveTimeout),
		Logger:                     logger,
	}
	fc.securityConfig.apply(&cfg)
	switch t := fc.Transport; t.Mode {
	case "", "http":
	case "https":
		cfg.HTTPS = &happn.HTTPS{CertPEM: t.Cert, KeyPEM: t.Key, CertFile: t.CertPath, KeyFile: t.KeyPath}
	default:
		return cfg, fmt.Errorf(`transport.mode must be "http" or "https", not %q`, t.Mode)
	}
	switch fc.SlowConsumer {
	case "", "disconnect":
		cfg.SlowConsumer = transport.Disconnect
	case "drop":
		cfg.SlowConsumer = transport.Drop
	default:
		return cfg, fmt.Errorf(`slowConsumer must be "disconnect" or "drop", not %q`, fc.SlowConsumer)
	}
	return cfg, nil
}

// duration reads "30s"-style strings or a number of milliseconds.
type duration time.Duration

func (d *duration) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case float64:
		*d = duration(time.Duration(x) * time.Millisecond)
	case string:
		p, err := time.ParseDuration(x)
		if err != nil {
			return err
		}
		*d = duration(p)
	default:
		return fmt.Errorf("duration must be a string or milliseconds, not %s", b)
	}
	return nil
}

// mount adds the routes the config asks for to srv's handler.
func (fc fileConfig) mount(srv *happn.Server) {
	if fc.Metrics != "" {
		srv.HandlePublic(fc.Metrics, srv.MetricsHandler())
	}
}
