package sync

import (
	"crypto/ed25519"
	"errors"
	"testing"
)

func TestConfigValidation(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(nil)
	ok := Config{URL: "https://platform.example", Device: "VK-A", Signer: key, PlatformKey: pub}
	if _, err := ok.withDefaults(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for name, mod := range map[string]func(*Config){
		"no URL":          func(c *Config) { c.URL = "" },
		"ftp":             func(c *Config) { c.URL = "ftp://x" },
		"clear http":      func(c *Config) { c.URL = "http://platform.example" },
		"no device":       func(c *Config) { c.Device = "" },
		"no signer":       func(c *Config) { c.Signer = nil },
		"short key":       func(c *Config) { c.PlatformKey = pub[:31] },
		"oversized batch": func(c *Config) { c.BatchRecords = 1_000_000 },
	} {
		c := ok
		mod(&c)
		if _, err := c.withDefaults(); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: %v, want ErrConfig", name, err)
		}
	}
	for _, u := range []string{"http://127.0.0.1:8080", "http://localhost", "http://[::1]:9"} {
		c := ok
		c.URL = u
		if _, err := c.withDefaults(); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
}
