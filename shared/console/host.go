package console

import (
	"net"
	"strings"
)

// IsLoopbackHost: host (a Host header, with or without its port, or an
// address's host) names this machine: localhost or a loopback IP. Any
// other name may be a DNS rebinding of another site to 127.0.0.1.
func IsLoopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	ip := net.ParseIP(host)
	return strings.EqualFold(host, "localhost") || ip != nil && ip.IsLoopback()
}
