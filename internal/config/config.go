// Package config turns the environment into one typed configuration,
// validated at start. Flags of the subcommands may override fields.
package config

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
)

// Config is postvakt's configuration.
type Config struct {
	DatabaseURL string // DATABASE_URL: lib/pq URL of the PostgreSQL database
	Addr        string // POSTVAKT_ADDR: where serve listens
	LogLevel    string // POSTVAKT_LOG_LEVEL: debug, info, warn, error
	LogFormat   string // POSTVAKT_LOG_FORMAT: text or json
	Policies    string // POSTVAKT_POLICIES: the policy folder
}

// Var documents one environment variable.
type Var struct {
	Name, Default, Help string
}

// Vars lists every environment variable postvakt reads, for `postvakt help`
// and the README.
var Vars = []Var{
	{"DATABASE_URL", "", "PostgreSQL URL (lib/pq), e.g. postgres://postvakt:secret@db:5432/postvakt?sslmode=require"},
	{"POSTVAKT_ADDR", "127.0.0.1:8080", "address the API and UI listen on"},
	{"POSTVAKT_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"POSTVAKT_LOG_FORMAT", "text", "text or json"},
	{"POSTVAKT_POLICIES", "policies/", "folder of policy YAML files"},
}

// FromEnv reads the configuration from the environment, with defaults.
func FromEnv() Config {
	return Config{
		DatabaseURL: env("DATABASE_URL", ""),
		Addr:        env("POSTVAKT_ADDR", "127.0.0.1:8080"),
		LogLevel:    env("POSTVAKT_LOG_LEVEL", "info"),
		LogFormat:   env("POSTVAKT_LOG_FORMAT", "text"),
		Policies:    env("POSTVAKT_POLICIES", "policies/"),
	}
}

// NeedDatabase returns an error when no database is configured.
func (c Config) NeedDatabase() error {
	if c.DatabaseURL == "" {
		return fmt.Errorf("DATABASE_URL is not set (e.g. postgres://user:password@host:5432/postvakt?sslmode=require)")
	}
	return nil
}

// Logger builds the process logger.
func (c Config) Logger() (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, fmt.Errorf("POSTVAKT_LOG_LEVEL: %q is not debug, info, warn or error", c.LogLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(c.LogFormat) {
	case "text", "":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("POSTVAKT_LOG_FORMAT: %q is not text or json", c.LogFormat)
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}
