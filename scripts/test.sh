#!/usr/bin/env bash
# The one test command: `bash scripts/test.sh` from anywhere in the repository.
# .ci/run calls it too.
#
# Stages, each with a header and its wall time:
#   gofmt     fails listing every file `gofmt -l` would reformat
#   go vet    go vet ./...
#   actionlint  lints .github/workflows, and their run: scripts with
#             ShellCheck when it is on PATH; actionlint is installed from the
#             Go module proxy into $(go env GOPATH)/bin when missing or at
#             another version
#   go test   go test ./... (the build cache stays on: a warm rerun takes seconds);
#             the packages where concurrency lives run under the race
#             detector (-race): every package whose tests import the shared
#             harness (tests/testutil), the offline engine (internal/offline)
#             or the components (the migration hook); the summary at the end
#             repeats its FAIL lines
#   modules   go vet and go test in each nested Go module (NESTED_MODULES),
#             which the root's ./... does not reach: examples/imported (a
#             user's program on this library, through a replace) and
#             provider (the multi-language component provider, its schema
#             golden file and the YAML example's check); same build cache
#   app       bash scripts/test-app.sh, when that file exists (the Django app,
#             tested for real; it installs what it needs)
# Every stage runs even when an earlier one fails, so one run reports
# everything; the script exits non-zero if any stage failed.
#
# Needs only Go, git and bash: Go downloads the modules (and, if go.mod asks
# for a newer Go, the toolchain) on first use. The first run on a fresh
# machine compiles the Pulumi SDKs: about 4 minutes and 3.3 GB.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

command -v go >/dev/null || { echo "test.sh: go is not on PATH; install Go from https://go.dev/dl/" >&2; exit 2; }

# now prints the wall clock in microseconds (whole seconds before bash 5).
now() {
  if [[ -n "${EPOCHREALTIME:-}" ]]; then
    printf '%s\n' "${EPOCHREALTIME/[.,]/}"
  else
    printf '%s\n' "$((SECONDS * 1000000))"
  fi
}

# elapsed START prints the time since START in seconds, to a tenth.
elapsed() {
  local tenths=$((($(now) - $1) / 100000))
  printf '%d.%ds\n' $((tenths / 10)) $((tenths % 10))
}

SUMMARY=()
FAILED=0
GOTEST_LOG="$(mktemp)"
trap 'rm -f "$GOTEST_LOG"' EXIT

# stage NAME CMD... runs one stage between a header and a footer with its
# time, and records the result without stopping the run.
stage() {
  local name=$1 start status
  shift
  printf '\n==> %s\n' "$name"
  start="$(now)"
  if "$@"; then
    status=ok
  else
    status=FAILED
    FAILED=1
  fi
  local took
  took="$(elapsed "$start")"
  printf '<== %s: %s in %s\n' "$name" "$status" "$took"
  SUMMARY+=("$(printf '%-10s %-7s %s' "$name" "$status" "$took")")
}

gofmt_check() {
  # The gofmt of the toolchain `go` runs, not whatever gofmt is first on PATH.
  local gofmt out
  gofmt="$(go env GOROOT)/bin/gofmt"
  if ! out="$("$gofmt" -l . 2>&1)"; then
    printf '%s\n' "$out"
    return 1
  fi
  if [[ -n "$out" ]]; then
    printf 'gofmt would reformat these files (run: gofmt -w FILE):\n%s\n' "$out"
    return 1
  fi
  echo "all Go files are gofmt-clean"
}

# ACTIONLINT_VERSION is the actionlint the actionlint stage runs.
ACTIONLINT_VERSION=v1.7.12

# actionlint_check installs actionlint when it is missing or at another
# version (about 11 s cold, a tenth of a second warm), then lints every workflow.
actionlint_check() {
  local gopath bin
  gopath="$(go env GOPATH)"
  bin="${gopath%%:*}/bin/actionlint"
  if [[ ! -x "$bin" || "$("$bin" -version 2>/dev/null | head -n 1)" != "$ACTIONLINT_VERSION" ]]; then
    echo "installing actionlint $ACTIONLINT_VERSION into ${bin%/*}"
    rm -f "$bin"
    GOBIN="${bin%/*}" go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" || return 1
  fi
  command -v shellcheck >/dev/null || echo "shellcheck is not on PATH: run: scripts are not checked"
  "$bin" -no-color && echo "the workflows in .github/workflows are actionlint-clean"
}

# race_packages lists the packages whose tests import the shared harness,
# the offline engine or the components: the SDK, the engine and the
# migration hook run goroutines there, and a data race must fail the run
# (issue 21). The other packages run without -race.
race_packages() {
  go list -f '{{.ImportPath}} {{join .TestImports " "}} {{join .XTestImports " "}}' ./... |
    awk '/ [^ ]*\/(tests\/testutil|internal\/offline|components)( |$)/ {print $1}'
}

# go test's output is kept, so the summary can repeat its failure lines.
go_test() {
  local race other status=0
  race="$(race_packages)" || return 1
  other="$(go list ./... | grep -vxF -f <(printf '%s\n' "$race"))" || true
  echo "go test -race: $(wc -w <<<"$race") packages; go test: $(wc -w <<<"$other") packages"
  # shellcheck disable=SC2086 # one package per word
  go test -race $race 2>&1 | tee "$GOTEST_LOG" || status=1
  if [[ -n "$other" ]]; then
    # shellcheck disable=SC2086
    go test $other 2>&1 | tee -a "$GOTEST_LOG" || status=1
  fi
  return "$status"
}

# NESTED_MODULES are the directories with their own go.mod that the modules
# stage vets and tests.
NESTED_MODULES=(examples/imported provider)

# nested_modules runs go vet and go test in each nested module; every
# module runs even when one fails. Its go test output joins the failure
# summary.
nested_modules() {
  local dir status=0
  for dir in "${NESTED_MODULES[@]}"; do
    echo "-- $dir"
    if ! (cd "$dir" && go vet ./... && go test ./... 2>&1 | tee -a "$GOTEST_LOG"; exit "${PIPESTATUS[0]}"); then
      status=1
    fi
  done
  return "$status"
}

echo "test.sh: $(go version) in $ROOT"
stage gofmt gofmt_check
stage "go vet" go vet ./...
if [[ -d .github/workflows ]]; then
  stage actionlint actionlint_check
fi
stage "go test" go_test
stage modules nested_modules
if [[ -f scripts/test-app.sh ]]; then
  stage app bash scripts/test-app.sh
fi

printf '\n== summary\n'
printf '%s\n' "${SUMMARY[@]}"
# go test's own lines for each failing test and package, when there are any.
if grep -E '^(--- FAIL|FAIL[[:space:]])' "$GOTEST_LOG" >/dev/null; then
  printf '\ngo test failures:\n'
  grep -E '^(--- FAIL|FAIL[[:space:]])' "$GOTEST_LOG"
fi
if ((FAILED)); then
  echo "test.sh: FAILED"
  exit 1
fi
echo "test.sh: all stages passed"
