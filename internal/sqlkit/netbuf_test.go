package sqlkit

import (
	"bytes"
	"io"
	"net"
	"syscall"
	"testing"
)

// TestBufferedDial: a buffered connection delivers exactly the bytes sent, in order, across
// small reads and reads larger than its buffer, and writes pass through.
func TestBufferedDial(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	want := bytes.Repeat([]byte("0123456789abcdef"), readBuffer/8) // two buffers' worth
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		var ping [4]byte
		if _, err := io.ReadFull(c, ping[:]); err != nil || string(ping[:]) != "ping" {
			return
		}
		c.Write(want)
	}()
	c, err := BufferedDial(&net.Dialer{})(t.Context(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// The MySQL driver checks an idle pooled connection's socket before reusing it, and only
	// when the connection offers it (syscall.Conn); without, a connection the server closed
	// fails its next query with "invalid connection" where a proxy half-closed it.
	if _, ok := c.(syscall.Conn); !ok {
		t.Errorf("a buffered TCP connection (%T) does not offer its socket", c)
	}
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	var got []byte
	small := make([]byte, 100)
	for len(got) < 5000 {
		n, err := c.Read(small)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, small[:n]...)
	}
	rest, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	if got = append(got, rest...); !bytes.Equal(got, want) {
		t.Fatalf("read %d bytes, not the %d sent", len(got), len(want))
	}
}

// TestBufferedConcurrentReads: two goroutines may read a buffered connection at once, as they
// may a net.Conn (pgx drains a connection it closes while its background reader still reads);
// every byte is delivered once. Run under -race, this failed on the unguarded buffer.
func TestBufferedConcurrentReads(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	const total = 4 << 20
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.Write(bytes.Repeat([]byte("x"), total))
	}()
	c, err := BufferedDial(&net.Dialer{})(t.Context(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	counts := make(chan int, 2)
	for range 2 {
		go func() {
			n, _ := io.Copy(io.Discard, c)
			counts <- int(n)
		}()
	}
	if got := <-counts + <-counts; got != total {
		t.Fatalf("read %d bytes in all, want %d", got, total)
	}
}
