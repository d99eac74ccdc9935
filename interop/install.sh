#!/usr/bin/env bash
# Installs Alipay's official Python and Node SDKs, at pinned versions, into this folder only:
#   interop/.venv          python3 -m venv + pip install --no-deps -r requirements.txt
#   interop/node_modules   npm install from package.json + the committed package-lock.json
# Idempotent: a stamp records what was installed; when nothing changed it only checks the imports (~1 s).
# Needs python3 (>= 3.8, with venv) and node (>= 18) with npm; reaches only PyPI and the npm registry.
set -euo pipefail
cd "$(dirname "$0")"
here="$(pwd)"

log() { printf '[interop/install] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

command -v python3 >/dev/null || die "python3 not found"
command -v node >/dev/null || die "node not found"
command -v npm >/dev/null || die "npm not found"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 18 ] || die "node >= 18 needed (alipay-sdk 4.x), found $(node --version)"

# A stamp per side: the inputs that define the installation, and the interpreter that runs it.
py_want="$(cat requirements.txt; python3 --version)"
node_want="$(cat package.json package-lock.json; node --version)"

py_ok() {
  [ -x .venv/bin/python ] && [ -f .venv/.interop-stamp ] && [ "$(cat .venv/.interop-stamp)" = "$py_want" ] &&
    .venv/bin/python -c 'import alipay.aop.api.DefaultAlipayClient, alipay.aop.api.util.SignatureUtils' 2>/dev/null
}
node_ok() {
  [ -f node_modules/.interop-stamp ] && [ "$(cat node_modules/.interop-stamp)" = "$node_want" ] &&
    node -e 'require("alipay-sdk"); require("alipay-sdk/package.json")' 2>/dev/null
}

start=$(date +%s)

if py_ok; then
  log "python: alipay-sdk-python already installed in .venv"
else
  log "python: creating .venv and installing requirements.txt (--no-deps: the pinned list is the closure)"
  rm -rf .venv
  python3 -m venv .venv
  # --no-compile: the SDK has ~36,000 files of generated request/response/model classes; byte-compiling
  # them all triples the install time, and Python compiles the few modules we import on first use.
  PIP_DISABLE_PIP_VERSION_CHECK=1 .venv/bin/pip install --quiet --no-deps --no-compile -r requirements.txt
  .venv/bin/python -c 'import alipay.aop.api.DefaultAlipayClient, alipay.aop.api.util.SignatureUtils' ||
    die "python SDK installed but does not import"
  printf '%s' "$py_want" > .venv/.interop-stamp
fi

if node_ok; then
  log "node: alipay-sdk already installed in node_modules"
else
  log "node: npm install (locked by package-lock.json)"
  npm install --no-audit --no-fund --no-save --loglevel=error
  node -e 'require("alipay-sdk")' || die "node SDK installed but does not load"
  printf '%s' "$node_want" > node_modules/.interop-stamp
fi

py_ver="$(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("alipay-sdk-python"))')"
node_ver="$(node -p 'require("alipay-sdk/package.json").version')"
log "ready: alipay-sdk-python ${py_ver}, alipay-sdk (node) ${node_ver}, in $(( $(date +%s) - start ))s ($here)"
