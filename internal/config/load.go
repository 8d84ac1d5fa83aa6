package config

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/v2"
)

// EnvPrefix starts every environment variable that sets a config key.
const EnvPrefix = "LOADCRON_"

// LoadOptions are the layers on top of the YAML file, and how strict to be.
type LoadOptions struct {
	// Env is the environment in os.Environ form ("KEY=value"); nil means
	// none. Variables starting with LOADCRON_ set config keys:
	// LOADCRON_TARGETS__CHAT__URL sets targets.chat.url (a double
	// underscore nests, a single one stays, names are lower-cased).
	Env []string
	// Overrides set keys by path ("server.listen_address") after the file
	// and the environment, e.g. from command-line flags. String values are
	// parsed like environment values. Messages name them "override KEY";
	// Sets can name their source.
	Overrides map[string]any
	// Sets are applied after Overrides, in order (the last one for a key
	// wins): --set arguments parsed by ParseSet, or flags that map to keys.
	Sets []Override
}

// Load reads the YAML file at path, applies LOADCRON_* variables from
// opts.Env and then opts.Overrides, fills in defaults and validates the
// result. On failure the error joins one *ValidationError per problem.
func Load(path string, opts LoadOptions) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(data, path, opts)
}

// Parse is Load for a config already in memory (an embedded one); name is
// used in error messages and as Config.File.
func Parse(data []byte, name string, opts LoadOptions) (*Config, error) {
	p := newProblems(name)
	// A fresh koanf per call: reusing one would keep keys a reload deleted.
	k := koanf.New(".")
	if err := k.Load(bytesProvider(data), yamlParser{}); err != nil {
		p.addf("", "%s", strings.TrimSpace(err.Error()))
		return nil, p.err()
	}
	if err := loadEnv(k, opts.Env, p.sources); err != nil {
		return nil, err
	}
	sets := make([]Override, 0, len(opts.Overrides)+len(opts.Sets))
	for _, key := range sortedKeys(opts.Overrides) {
		sets = append(sets, Override{Key: key, Value: opts.Overrides[key], Source: "override " + key})
	}
	for _, o := range append(sets, opts.Sets...) {
		if !validKeyPath(o.Key) {
			p.addf("", "%s: %q is not a key path", o.Source, o.Key)
			continue
		}
		if err := k.Set(o.Key, o.Value); err != nil {
			p.addf(o.Key, "cannot set: %v", err)
			continue
		}
		for src := range p.sources {
			if src == o.Key || strings.HasPrefix(src, o.Key+".") {
				delete(p.sources, src)
			}
		}
		p.sources[o.Key] = o.Source
	}

	cfg := &Config{}
	p.decodeInto(k.Raw(), cfg)
	cfg.File = name
	applyDefaults(cfg, func(path string) bool { return p.present[path] })
	p.validate(cfg)
	if err := p.err(); err != nil {
		return nil, err
	}
	cfg.Hash = hashOf(cfg)
	return cfg, nil
}

// loadEnv loads LOADCRON_* variables into k and records each key's source.
func loadEnv(k *koanf.Koanf, environ []string, sources map[string]string) error {
	if len(environ) == 0 {
		return nil
	}
	transform := func(name, value string) (string, any) {
		key := envKey(name)
		if key != "" {
			sources[key] = name
		}
		return key, value
	}
	err := k.Load(env.Provider(".", env.Opt{
		Prefix:        EnvPrefix,
		TransformFunc: transform,
		EnvironFunc:   func() []string { return environ },
	}), nil)
	if err != nil {
		return fmt.Errorf("read environment: %w", err)
	}
	return nil
}

// envKey maps LOADCRON_TARGETS__CHAT__URL to targets.chat.url: the prefix
// goes, "__" becomes ".", and the rest is lower-cased. A variable without
// "__" cannot name a key (every key is at least SECTION__KEY) and is
// skipped (""): Kubernetes, for one, sets LOADCRON_PORT,
// LOADCRON_SERVICE_HOST, … for a Service named loadcron. Any variable with
// "__" must name a key, so typos are still errors.
func envKey(name string) string {
	rest := strings.TrimPrefix(name, EnvPrefix)
	if !strings.Contains(rest, "__") {
		return ""
	}
	return strings.ReplaceAll(strings.ToLower(rest), "__", ".")
}

// hashOf is a short hex SHA-256 of the effective config (after defaults),
// for loadcron_config_info.
func hashOf(cfg *Config) string {
	c := *cfg
	c.File, c.Hash = "", ""
	b, err := json.Marshal(&c)
	if err != nil {
		return "unknown"
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6])
}

// bytesProvider is a koanf.Provider over an in-memory YAML document.
type bytesProvider []byte

// ReadBytes returns the document.
func (b bytesProvider) ReadBytes() ([]byte, error) { return b, nil }

// Read is unsupported: the document needs a parser.
func (b bytesProvider) Read() (map[string]any, error) {
	return nil, errors.New("bytes provider needs a parser")
}
