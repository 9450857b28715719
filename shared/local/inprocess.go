package local

import "time"

// InProcess is the configuration of a runner that another program starts
// inside itself (the bench, the end-to-end tests): nothing read from the
// environment, so that the caller's shell cannot change what is measured
// or tested; a free loopback port (Main.URL says which); webhooks signed
// with secret and callbacks with no live lease routed to fallback; dial
// prefix 9; the lease-expiry sweep out of the way (hourly: the caller
// sweeps when it means to); bus retries after 5 ms, so that a retried
// delivery does not stall a measurement or a test.
func InProcess(secret, fallback string) (Config, error) {
	cfg, err := ConfigFromEnv(func(string) (string, bool) { return "", false })
	if err != nil {
		return Config{}, err
	}
	cfg.Addr, cfg.Secret, cfg.Fallback, cfg.Dial.Prefix = "127.0.0.1:0", secret, fallback, "9"
	cfg.SweepInterval, cfg.BusBackoff = time.Hour, 5*time.Millisecond
	return cfg, nil
}
