#!/usr/bin/env bash
# Program: what this Go program costs its developers and its users.
#   cold build   go build ./... with a fresh, empty GOCACHE (the module cache
#                stays: downloads are not measured). The Pulumi SDKs dominate:
#                minutes, not seconds (about 4 on 2 cores).
#   warm build   go build ./... again, on the usual GOCACHE.
#   edit + test  go test ./... after a one-line edit of a string literal in
#                components/ (every package and test depends on it), in a
#                scratch copy of the work tree, so the checkout is never
#                touched: go test ./... runs there once to warm the cache for
#                that directory, then the edit, then the timed run.
#   synth        BenchmarkSynthProd (tests/stack): the production stack on the
#                offline engine, rendered as the `pulumi preview --json`
#                document, i.e. `go run ./cmd/synth -stack prod -format json`
#                without the build; and one run of the built cmd/synth binary.
# Wall time and peak memory (largest process RSS) come from /usr/bin/time
# (Debian package time, installed when missing and root).
#
# Usage: bash bench/program.sh [-skip-cold]
#   -skip-cold  leave out the cold build (its row says skipped)
# Writes bench/results/program.md and the bench:program part of README.md.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

COLD=1
ARGS="$*"
while (($#)); do
  case $1 in
    -skip-cold) COLD=0 ;;
    -h | -help | --help) sed -n '2,/^# shellcheck source-path/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "program.sh: unknown argument $1 (try -help)" >&2; exit 2 ;;
  esac
  shift
done

command -v go >/dev/null || bench_die "go is not on PATH"
if [[ ! -x /usr/bin/time ]]; then
  bench_need_root
  bench_ensure_debs time
fi
bench_init program
cd "$BENCH_ROOT"
LOAD_START="$(bench_loadavg)"
ROWS=()

# measure LABEL COMMAND... runs COMMAND under /usr/bin/time and records a
# row: label, command, wall seconds, peak RSS, exit status, load before.
measure() {
  local label=$1 load1 status=0 wall rss shown
  shift
  read -r load1 _ </proc/loadavg
  bench_log "$label: $*"
  /usr/bin/time -f '%e %M' -o "$BENCH_WORK/time" "$@" >"$BENCH_WORK/out" 2>&1 || status=$?
  # A failing command adds a "Command exited with ..." line first.
  read -r wall rss < <(tail -n 1 "$BENCH_WORK/time") || true
  if ((status != 0)); then
    bench_log "$label exited $status:"
    tail -n 20 "$BENCH_WORK/out" >&2
  fi
  shown="${MEASURE_SHOWN:-$*}"
  ROWS+=("| $label | \`$shown\` | $wall | $((rss / 1024)) | $status | $load1 |")
  MEASURE_SHOWN=""
}

# 1. cold and warm build.
if ((COLD)); then
  mkdir -p "$BENCH_WORK/gocache"
  MEASURE_SHOWN="GOCACHE=\$(mktemp -d) go build ./..."
  measure "cold build" env GOCACHE="$BENCH_WORK/gocache" go build ./...
  rm -rf "$BENCH_WORK/gocache"
else
  ROWS+=("| cold build | \`GOCACHE=\$(mktemp -d) go build ./...\` | skipped (-skip-cold) | | | |")
fi
go build ./... >/dev/null 2>&1 || true
measure "warm build" go build ./...

# 2. go test ./... after a one-line edit, in a scratch copy.
SCRATCH="$BENCH_WORK/tree"
mkdir -p "$SCRATCH"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -C "$SCRATCH" -xf -
EDIT_FILE=components/djangoservice.go
EDIT_FROM='use 0 to 3600"'
EDIT_TO='use 0 to 3600 (bench edit)"'
(cd "$SCRATCH" && go test ./... >/dev/null 2>&1) || bench_log "warm-up go test ./... in the scratch copy failed; timing it anyway"
sed -i "s/$EDIT_FROM/$EDIT_TO/" "$SCRATCH/$EDIT_FILE"
CHANGED="$(diff "$BENCH_ROOT/$EDIT_FILE" "$SCRATCH/$EDIT_FILE" | grep -c '^>' || true)"
((CHANGED == 1)) || bench_die "the one-line edit of $EDIT_FILE changed $CHANGED lines"
MEASURE_SHOWN="go test ./...   (after editing one string in $EDIT_FILE)"
measure "edit + test" env -C "$SCRATCH" go test ./...
MEASURE_SHOWN="go test ./...   (nothing changed: all cached)"
measure "cached test" env -C "$SCRATCH" go test ./...

# 3. synth: the benchmark, in a prebuilt test binary so the compiler's
# memory is not counted, and one run of the synth binary.
go test -c -o "$BENCH_WORK/stack.test" ./tests/stack
MEASURE_SHOWN="go test -c ./tests/stack && stack.test -test.run '^\$' -test.bench BenchmarkSynthProd -test.benchmem -test.benchtime 20x"
measure "synth benchmark" env -C "$BENCH_ROOT/tests/stack" "$BENCH_WORK/stack.test" \
  -test.run '^$' -test.bench BenchmarkSynthProd -test.benchmem -test.benchtime 20x
BENCH_LINE="$(grep '^BenchmarkSynthProd' "$BENCH_WORK/out" || true)"
go build -o "$BENCH_WORK/synth" ./cmd/synth
MEASURE_SHOWN="go build -o synth ./cmd/synth && synth -stack prod -format json"
measure "synth, one run" "$BENCH_WORK/synth" -stack prod -format json
LOAD_END="$(bench_loadavg)"

COMMAND="bash bench/program.sh${ARGS:+ $ARGS}"
TABLE="$(
  echo "| step | command | wall s | peak RSS MiB | exit | load1 before |"
  echo "|---|---|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
)"
mkdir -p "$BENCH_RESULTS"
{
  echo "# Program"
  echo
  echo "- command: \`$COMMAND\`"
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- machine: $(bench_machine)"
  echo "- load average (1, 5, 15 min): $LOAD_START at the start, $LOAD_END at the end; load1 per step in the last column"
  echo "- $(go version), GOMAXPROCS unset (all CPUs)"
  echo "- peak RSS: the largest single process (/usr/bin/time %M), e.g. the compiler or linker for go build"
  echo
  echo "$TABLE"
  echo
  echo "BenchmarkSynthProd: \`${BENCH_LINE:-no result}\`"
} >"$BENCH_RESULTS/program.md"

{
  echo "**Program** (\`$COMMAND\`, $(date -u '+%Y-%m-%d'), load average $LOAD_START -> $LOAD_END; details in [bench/results/program.md](bench/results/program.md)):"
  echo
  echo "$TABLE"
  echo
  echo "BenchmarkSynthProd: \`${BENCH_LINE:-no result}\`"
} >"$BENCH_WORK/readme.md"
bench_readme_block program "$BENCH_WORK/readme.md"

echo
echo "$TABLE"
echo
echo "BenchmarkSynthProd: ${BENCH_LINE:-no result}"
