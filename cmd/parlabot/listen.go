package main

import (
	"errors"
	"fmt"
	"net"
	"syscall"
)

// listenOn listens on addr to do what ("serve metrics"), or says in one
// line why it cannot: the port is in use (and what to do then, ifBusy), or
// another reason (and what to do, otherwise).
func listenOn(listen func(network, addr string) (net.Listener, error), addr, what, ifBusy, otherwise string) (net.Listener, error) {
	ln, err := listen("tcp", addr)
	switch {
	case err == nil:
		return ln, nil
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, fmt.Errorf("cannot %s on %s: the port is in use; %s", what, addr, ifBusy)
	default:
		return nil, fmt.Errorf("cannot %s on %s: %v; %s", what, addr, errors.Unwrap(err), otherwise)
	}
}
