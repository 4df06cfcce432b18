// Command floor is the least a server can do for one request over loopback TCP: it answers
// each fixed-size request with fixed bytes and does nothing else, so its CPU per request is
// the kernel's share that every server pays. See README.md.
//
//	go run ./bench/floor -port 56500 -mode echo     # or echo-block, fan
package main

import (
	"flag"
	"log"
	"net"
	"runtime"
	"sync"
	"syscall"
)

// Sizes of the frames, near those of a happn-3 get: the client's request, the server's
// response, and an event in the fan-out.
const (
	requestSize  = 120
	responseSize = 200
	eventSize    = 200
	ackSize      = 100
)

func main() {
	port := flag.String("port", "56500", "TCP port on 127.0.0.1")
	mode := flag.String("mode", "echo", "echo (Go's netpoller), echo-block (a blocking read on a thread of its own), fan (one request written to every subscriber)")
	flag.Parse()
	l, err := net.Listen("tcp", "127.0.0.1:"+*port)
	if err != nil {
		log.Fatal(err)
	}
	var serve func(net.Conn)
	switch *mode {
	case "echo":
		serve = echo
	case "echo-block":
		serve = echoBlocking
	case "fan":
		f := &fan{}
		serve = f.serve
	default:
		log.Fatalf("unknown mode %q", *mode)
	}
	for {
		c, err := l.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go serve(c)
	}
}

// echo answers every request with a response through Go's netpoller, as the happn server's
// websocket connections do.
func echo(c net.Conn) {
	defer c.Close()
	resp := make([]byte, responseSize)
	eachRequest(c, make([]byte, 4096), func() error {
		_, err := c.Write(resp)
		return err
	})
}

// eachRequest reads c into buf and calls answer once per whole request
// read, until c or answer fails.
func eachRequest(c net.Conn, buf []byte, answer func() error) {
	pending := 0
	for {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		for pending += n; pending >= requestSize; pending -= requestSize {
			if err := answer(); err != nil {
				return
			}
		}
	}
}

// echoBlocking does what echo does with plain blocking read and write system calls on a
// thread of its own: no epoll, no read that finds the socket empty.
func echoBlocking(c net.Conn) {
	defer c.Close()
	f, err := c.(*net.TCPConn).File()
	if err != nil {
		return
	}
	defer f.Close()
	fd := int(f.Fd())
	if err := syscall.SetNonblock(fd, false); err != nil {
		return
	}
	runtime.LockOSThread()
	buf, resp := make([]byte, 4096), make([]byte, responseSize)
	pending := 0
	for {
		n, err := syscall.Read(fd, buf)
		if err != nil || n == 0 {
			return
		}
		for pending += n; pending >= requestSize; pending -= requestSize {
			if _, err := syscall.Write(fd, resp); err != nil {
				return
			}
		}
	}
}

// fan is the fan-out floor: a connection whose first byte is 'S' subscribes; on any other
// connection, every request is written as an event to every subscriber, then acknowledged.
type fan struct {
	mu   sync.Mutex
	subs []net.Conn
}

func (f *fan) serve(c net.Conn) {
	buf := make([]byte, 4096)
	if _, err := c.Read(buf[:1]); err != nil {
		c.Close()
		return
	}
	if buf[0] == 'S' {
		f.mu.Lock()
		f.subs = append(f.subs, c)
		f.mu.Unlock()
		return
	}
	defer c.Close()
	event, ack := make([]byte, eventSize), make([]byte, ackSize)
	eachRequest(c, buf, func() error {
		f.mu.Lock()
		for _, s := range f.subs {
			s.Write(event)
		}
		f.mu.Unlock()
		_, err := c.Write(ack)
		return err
	})
}
