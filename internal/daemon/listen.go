package daemon

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/coreos/go-systemd/v22/activation"
	"github.com/mdlayher/vsock"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/server"
)

// vsockScheme prefixes a VM-socket listen address (vsock://:PORT), as in
// exporter-toolkit's --web.listen-address.
const vsockScheme = "vsock://"

// checkListenAddresses rejects a --web.listen-address that cannot be
// listened on before anything starts (exit 2, like a bad config).
func checkListenAddresses(addrs []string) error {
	var errs []error
	for _, a := range addrs {
		var err error
		if strings.HasPrefix(a, vsockScheme) {
			_, err = vsockPort(a)
		} else if msg := config.CheckListenAddress(a); msg != "" {
			// The same check as server.listen_address: form, host, port range.
			err = errors.New(msg)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("--web.listen-address %q: want HOST:PORT or vsock://:PORT: %w", a, err))
		}
	}
	return errors.Join(errs...)
}

// listeners opens where the HTTP server listens, in this order of
// precedence: Options.Listener (tests), the sockets systemd passed
// (--web.systemd-socket), each of Options.ListenAddresses
// (--web.listen-address), else server.listen_address. On error it closes
// what it opened.
func (d *Daemon) listeners(cfg *config.Config) ([]net.Listener, error) {
	switch {
	case d.opts.Listener != nil:
		return []net.Listener{d.opts.Listener}, nil
	case d.opts.SystemdSocket:
		all, err := activation.Listeners()
		if err != nil {
			return nil, fmt.Errorf("systemd socket activation: %w", err)
		}
		var lns []net.Listener
		for _, ln := range all {
			if ln != nil { // a gap: a socket that is not a stream socket
				lns = append(lns, ln)
			}
		}
		if len(lns) == 0 {
			return nil, errors.New("--web.systemd-socket: systemd passed no listening socket")
		}
		return lns, nil
	}
	addrs := d.opts.ListenAddresses
	if len(addrs) == 0 {
		addrs = []string{cfg.Server.ListenAddress}
	}
	var lns []net.Listener
	for _, a := range addrs {
		ln, err := listen(a)
		if err != nil {
			for _, l := range lns {
				_ = l.Close()
			}
			return nil, err
		}
		lns = append(lns, ln)
	}
	return lns, nil
}

// listen opens one listener: TCP on HOST:PORT (server.Listen), or a VM
// socket on vsock://:PORT.
func listen(addr string) (net.Listener, error) {
	if !strings.HasPrefix(addr, vsockScheme) {
		return server.Listen(addr)
	}
	port, err := vsockPort(addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	ln, err := vsock.Listen(port, nil)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ln, nil
}

// vsockPort is the port of vsock://:PORT.
func vsockPort(addr string) (uint32, error) {
	u, err := url.Parse(addr)
	if err != nil {
		return 0, err
	}
	_, p, err := net.SplitHostPort(u.Host)
	if err != nil {
		return 0, err
	}
	port, err := strconv.ParseUint(p, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("bad port %q", p)
	}
	return uint32(port), nil
}
