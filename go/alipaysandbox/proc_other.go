//go:build !linux

package alipaysandbox

import (
	"os"
	"os/exec"
	"runtime"
)

func setDeathSignal(*exec.Cmd) {}

// interrupt sends Ctrl-C where there is one; Windows has no such signal for a child: it is killed.
func interrupt(p *os.Process) error {
	if runtime.GOOS == "windows" {
		return p.Kill()
	}
	return p.Signal(os.Interrupt)
}
