package alipaysandbox

import (
	"os"
	"os/exec"
	"syscall"
)

// setDeathSignal kills the sandbox if the test binary dies without running its cleanups (a panic in
// TestMain, go test's -timeout): Linux's parent-death signal.
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

func interrupt(p *os.Process) error { return p.Signal(os.Interrupt) }
