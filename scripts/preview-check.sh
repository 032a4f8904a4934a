#!/usr/bin/env bash
# The real preview of a stack, judged by the same controls as the offline
# one: `pulumi preview --json` of STACK into FILE, then
# `go run ./cmd/synth -check-file FILE`. Exits non-zero when the preview
# fails or when a control the stack's profile requires fails (synth's exit 1).
#
# Usage: bash scripts/preview-check.sh STACK FILE
#
# The workflows call it after assuming the job's AWS role, with the Pulumi CLI
# installed (pulumi/actions, pinned) and the backend in the environment: the
# CLI reads PULUMI_ACCESS_TOKEN (Pulumi Cloud) or PULUMI_BACKEND_URL (a
# self-managed backend) and PULUMI_CONFIG_PASSPHRASE itself. Under GitHub
# Actions the controls report also goes to the job summary. It never runs
# `pulumi up` and never creates a stack.
set -euo pipefail

if (($# != 2)); then
  echo "usage: bash scripts/preview-check.sh STACK FILE" >&2
  exit 2
fi
stack=$1 out=$2
[[ "$out" == /* ]] || out="$PWD/$out"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
for tool in pulumi go; do
  command -v "$tool" >/dev/null || { echo "preview-check: $tool is not on PATH" >&2; exit 2; }
done

# summary appends stdin to the job summary under GitHub Actions, else drops it.
summary() {
  if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
    cat >>"$GITHUB_STEP_SUMMARY"
  else
    cat >/dev/null
  fi
}

status=0
pulumi preview --stack "$stack" --json --non-interactive >"$out" || status=$?
if ((status)); then
  # The JSON document carries the diagnostics.
  echo "preview-check: pulumi preview of $stack failed (exit $status):" >&2
  cat "$out" >&2
  exit "$status"
fi

report="$(mktemp)"
trap 'rm -f "$report"' EXIT
status=0
go run ./cmd/synth -check-file "$out" >"$report" || status=$?
cat "$report"
{
  # shellcheck disable=SC2016 # the backquotes are Markdown
  printf '### Controls check of the real preview of `%s`\n```\n' "$stack"
  cat "$report"
  printf '```\n'
} | summary
if ((status)); then
  echo "preview-check: a control the profile of $stack requires failed on its real preview (exit $status)" >&2
fi
exit "$status"
