//go:build !linux

package transport

import "net"

// newSocket returns the portable socket; the raw one is Linux-only.
func newSocket(nc net.Conn) socket { return &netSocket{nc: nc} }
