package cli

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/dbverify/dbverify/pkg/verify"
)

// openPTY opens a pseudo-terminal pair: the master end the test types into, the terminal end
// the prompt reads.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tty.Close() })
	return master, tty
}

func echoOn(t *testing.T, f *os.File) bool {
	t.Helper()
	tio, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	return tio.Lflag&unix.ECHO != 0
}

// TestPromptOnATerminal: the real prompt, on a pseudo-terminal as standard input, reads a line
// with echo off, and turns echo back on.
func TestPromptOnATerminal(t *testing.T) {
	master, tty := openPTY(t)
	stdin := os.Stdin
	os.Stdin = tty
	defer func() { os.Stdin = stdin }()
	var out bytes.Buffer
	p := newPrompter(&out)
	if !p.tty() {
		t.Fatal("a pseudo-terminal is not a terminal")
	}
	if !echoOn(t, tty) {
		t.Fatal("echo off before the question")
	}
	go func() {
		// Type once echo is off, as a person does after the question shows.
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if tio, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS); err == nil && tio.Lflag&unix.ECHO == 0 {
				break
			}
		}
		master.Write([]byte("typed s3cret\n"))
	}()
	got, err := p.ask(t.Context(), verify.Source, testLogin)
	if err != nil || got != "typed s3cret" {
		t.Fatalf("ask = %q, %v", got, err)
	}
	if !strings.HasPrefix(out.String(), "Password for the source, u@h:3306 (mysql): ") {
		t.Errorf("question %q", out.String())
	}
	if !echoOn(t, tty) {
		t.Error("echo left off")
	}
	// What the terminal sent back, if anything (poll first: a read would wait for ever).
	fds := []unix.PollFd{{Fd: int32(master.Fd()), Events: unix.POLLIN}}
	if n, err := unix.Poll(fds, 200); err == nil && n > 0 && fds[0].Revents&unix.POLLIN != 0 {
		echoed := make([]byte, 256)
		n, _ := unix.Read(int(master.Fd()), echoed)
		if n > 0 && strings.Contains(string(echoed[:n]), "s3cret") {
			t.Errorf("the terminal echoed the password: %q", echoed[:n])
		}
	}
}
