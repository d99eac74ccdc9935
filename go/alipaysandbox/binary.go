package alipaysandbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

func exeName() string {
	if runtime.GOOS == "windows" {
		return "alipay.exe"
	}
	return "alipay"
}

func isFile(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular()
}

// FindBinary answers the path of the `alipay` binary to run: ALIPAY_BIN when set (an error if it is not a
// file); else `alipay` on PATH; else the binary the Python package alipay_sandbox finds
// (`python3 -c 'import alipay_sandbox; print(alipay_sandbox.find_binary())'`, with ALIPAY_PYTHON instead of
// python3 and python when set); else target/release/alipay or target/debug/alipay of the alipay-rs checkout
// this package's source is in, or of a directory above the current one.
//
// The same order as the Node helper (node/index.js). Start calls it unless [WithBinary] names a binary.
func FindBinary() (string, error) {
	if explicit := os.Getenv("ALIPAY_BIN"); explicit != "" {
		if !isFile(explicit) {
			return "", fmt.Errorf("alipaysandbox: ALIPAY_BIN=%s is not a file", explicit)
		}
		return explicit, nil
	}
	if found, err := exec.LookPath(exeName()); err == nil {
		return found, nil
	}
	pythons := []string{"python3", "python"}
	if p := os.Getenv("ALIPAY_PYTHON"); p != "" {
		pythons = []string{p}
	}
	for _, python := range pythons {
		if found := fromPython(python); found != "" {
			return found, nil
		}
	}
	for _, root := range checkoutRoots() {
		for _, profile := range []string{"release", "debug"} {
			built := filepath.Join(root, "target", profile, exeName())
			if isFile(built) {
				return built, nil
			}
		}
	}
	return "", errors.New("alipaysandbox: the `alipay` binary was not found: `pip install ./python` from an " +
		"alipay-rs checkout (then activate the venv or set ALIPAY_PYTHON), `cargo build --release -p alipay-cli`, " +
		"or set ALIPAY_BIN")
}

// fromPython asks the Python package for its binary; "" when that interpreter or package is missing.
func fromPython(python string) string {
	if _, err := exec.LookPath(python); err != nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, python, "-c",
		"import alipay_sandbox; print(alipay_sandbox.find_binary())").Output()
	if err != nil {
		return ""
	}
	found := strings.TrimSpace(string(out))
	if found != "" && isFile(found) {
		return found
	}
	return ""
}

// checkoutRoots: the checkout this source file is in (go/alipaysandbox -> ../..), then the current directory
// and its parents (a test run from inside a checkout that uses a copy of this module).
func checkoutRoots() []string {
	var roots []string
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		roots = append(roots, filepath.Dir(filepath.Dir(filepath.Dir(file))))
	}
	if dir, err := os.Getwd(); err == nil {
		for i := 0; i < 8; i++ {
			roots = append(roots, dir)
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return roots
}
