#!/usr/bin/env bash
# Java: the JUnit 5 extension (java/) and Alipay's official Java SDK against the sandbox (interop/java/).
#
#   ALIPAY_BIN=/path/to/alipay bash .ci/java.sh
#
# Needs a JDK (17 here; the extension itself targets 11) and Maven 3.8+, Maven Central for the first run (then
# ~/.m2). Without java or mvn on PATH it says so and exits 0 (skipped); otherwise any failure fails it. The
# `alipay` binary: ALIPAY_BIN (CI sets it to the release build), else what the extension finds (PATH, the Python
# package, target/release or target/debug of this checkout). Tests tagged `discrepancy` pin known sandbox bugs;
# JAVA_EXCLUDE_DISCREPANCIES=1 leaves them out.
set -euo pipefail
case $0 in */*) cd "${0%/*}/.." ;; *) cd .. ;; esac # no dirname: PATH may lack coreutils when java is missing too

missing=()
command -v java >/dev/null 2>&1 || missing+=(java)
command -v mvn >/dev/null 2>&1 || missing+=(mvn)
if [ ${#missing[@]} -gt 0 ]; then
  echo "=================================================================================="
  echo "== java: SKIPPED: ${missing[*]} not found on PATH (install a JDK 17 and Maven 3.8+)"
  echo "=================================================================================="
  exit 0
fi

if [ -n "${ALIPAY_BIN:-}" ] && [ ! -f "$ALIPAY_BIN" ]; then
  echo "java: ALIPAY_BIN=$ALIPAY_BIN is not a file" >&2
  exit 1
fi
echo "== java: $(java -version 2>&1 | head -n 1); $(mvn -v 2>/dev/null | head -n 1 | sed 's/\x1b\[[0-9;]*m//g')"
echo "== java: ALIPAY_BIN=${ALIPAY_BIN:-<unset: the extension looks for it>}"

mvn_args=(-B --no-transfer-progress -Dstyle.color=never)
if [ "${JAVA_EXCLUDE_DISCREPANCIES:-0}" = 1 ]; then
  mvn_args+=(-DexcludedGroups=discrepancy)
fi

total_start=$(date +%s)
failed=()
step() { # step NAME DIR ARGS...: runs mvn in DIR, prints how long it took; a failure is recorded, not fatal yet
  local name=$1 dir=$2
  shift 2
  local start rc=0
  start=$(date +%s)
  echo "== java: $name (in $dir)"
  # Maven 3.8's console library writes colour resets even in batch mode: stripped so that lines stay readable.
  (cd "$dir" && mvn "${mvn_args[@]}" "$@" 2>&1 | sed -u 's/\x1b\[[0-9;]*m//g') || rc=$?
  echo "== java: $name took $(( $(date +%s) - start ))s$([ "$rc" = 0 ] || echo ", FAILED (exit $rc)")"
  [ "$rc" = 0 ] || failed+=("$name")
}

# The extension's own tests; the jar into ~/.m2 for interop/java (which depends on it), whatever those tests
# said, so that the official SDK's suite runs too; then that suite.
step "java/ tests (mvn test)" java test
# (and, in the same run, the compile classpath for the javadoc check below: JUnit's API only)
rm -f java/target/compile-classpath.txt
step "java/ install (no tests: they just ran)" java -q install -DskipTests \
  dependency:build-classpath -DincludeScope=compile -Dmdep.outputFile=target/compile-classpath.txt
# The public API's javadoc, doclint-clean (the JDK's javadoc: no plugin to download).
doc_start=$(date +%s)
echo "== java: javadoc -Xdoclint:all of java/src/main/java"
if [ -f java/target/compile-classpath.txt ] \
    && javadoc -quiet -Xdoclint:all -Xwerror --release 11 -d java/target/apidocs \
      -cp "$(cat java/target/compile-classpath.txt)" $(find java/src/main/java -name '*.java'); then
  echo "== java: javadoc took $(( $(date +%s) - doc_start ))s"
else
  echo "== java: javadoc took $(( $(date +%s) - doc_start ))s, FAILED"
  failed+=("javadoc")
fi
if [[ " ${failed[*]} " == *" java/ install"* ]]; then
  echo "== java: interop/java not run: the extension did not install" >&2
else
  step "interop/java: the official SDK (mvn test)" interop/java test
fi
echo "== java: all steps took $(( $(date +%s) - total_start ))s"
if [ ${#failed[@]} -gt 0 ]; then
  printf '== java: FAILED: %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "== java: passed"
