package api

import (
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
)

// checkHost wraps h so that it answers only requests whose Host header
// names this listener as a loopback client would: "localhost" or a loopback
// IP literal, with the port the connection arrived on. A web page that
// rebinds its own DNS name to 127.0.0.1 sends its own name as Host, so the
// kiosk browser cannot be turned into a reader of the device id and
// metrics. Requests without a known local address (not from an
// http.Server) are refused too.
func checkHost(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !loopbackHost(r) {
			http.Error(w, "host not accepted", http.StatusMisdirectedRequest)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func loopbackHost(r *http.Request) bool {
	local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return false
	}
	lap, err := netip.ParseAddrPort(local.String())
	if err != nil {
		return false
	}
	host, port, err := net.SplitHostPort(r.Host)
	if err != nil {
		// No port: the client's default, 80.
		host, port = r.Host, "80"
		if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
			host = host[1 : len(host)-1]
		}
	}
	if port != strconv.Itoa(int(lap.Port())) {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	// "::ffff:127.0.0.1" is no literal a loopback client sends, and a zone
	// never names a loopback address.
	return err == nil && ip.IsLoopback() && !ip.Is4In6() && ip.Zone() == ""
}
