#!/usr/bin/env bash
# CI for the Go helper (go/, module github.com/alipay-rs/alipay-rs/go) and the Go SDK checks (go/examples,
# smartwalle/alipay and go-pay/gopay pinned in go/examples/go.mod and go.sum): go vet and go test in each.
#
# go/examples/sandbox_bugs_test.go holds TestSandboxBug_* tests: SDK expectations the sandbox does not meet
# yet; they fail until the Rust side is fixed. ALIPAY_GO_SKIP_KNOWN_BUGS=1 skips them (and says so).
#
# The caller passes ALIPAY_BIN (the `alipay` binary the tests start; without it the helper looks on PATH, in
# the Python package and in target/release|debug). Without `go` on the machine this prints a loud skip and
# exits 0; with it, any failure fails the script. The pinned SDK versions come from the Go module proxy on a
# fresh machine (go.sum is committed; -mod=readonly refuses a go.mod that would need changing).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v go >/dev/null 2>&1; then
  echo "######################################################################"
  echo "## SKIPPED: Go helper tests (go/, go/examples): no \`go\` on this machine"
  echo "######################################################################"
  exit 0
fi

export GOFLAGS="${GOFLAGS:-} -mod=readonly"
export GOTOOLCHAIN=local # never download another toolchain: the installed go runs the tests
echo "== go: $(go version), ALIPAY_BIN=${ALIPAY_BIN:-<unset: the helper searches>}"

total_start=$(date +%s)
step() { # step NAME DIR COMMAND...: runs COMMAND in DIR and prints how long it took
  local name=$1 dir=$2
  shift 2
  local start
  start=$(date +%s)
  echo "== go: $name ($dir)"
  (cd "$dir" && "$@")
  echo "== go: $name took $(($(date +%s) - start))s"
}

step "download modules" go/examples go mod download
step "vet helper" go go vet ./...
step "vet examples" go/examples go vet ./...
# -p 1: one test binary at a time (2 cores; each test starts its own sandbox process).
step "test helper" go go test -count=1 -p 1 ./...
skip=()
if [ -n "${ALIPAY_GO_SKIP_KNOWN_BUGS:-}" ]; then
  echo "== go: ALIPAY_GO_SKIP_KNOWN_BUGS is set: skipping the known sandbox bugs (go/examples/sandbox_bugs_test.go):"
  grep -o '^func TestSandboxBug_[A-Za-z0-9_]*' go/examples/sandbox_bugs_test.go | sed 's/^func /   /'
  skip=(-skip '^TestSandboxBug_')
fi
step "test examples (smartwalle/alipay v3.2.25, go-pay/gopay v1.5.101)" go/examples go test -count=1 -p 1 "${skip[@]}" ./...
echo "== go: all steps took $(($(date +%s) - total_start))s"
