#!/usr/bin/env bash
# Runs the app's test suite (app/tests) INSIDE a built image: the exact
# Python, Django, psycopg and gunicorn the image ships, and its /app, instead
# of Debian's packages (scripts/test-app.sh). The image workflow calls it on
# every pull request after building the image with BuildKit.
#
# Usage: bash scripts/test-app-image.sh IMAGE [PLATFORM]
#   PLATFORM  the image's platform, e.g. linux/arm64 (default: linux/amd64);
#             another architecture than the host's needs QEMU (binfmt).
# Environment: TEST_DB_HOST, TEST_DB_PORT, TEST_DB_NAME, TEST_DB_USER,
#   TEST_DB_PASSWORD: a PostgreSQL the container reaches over the host's
#   network (the workflow's service container), its user owning the database.
#   Every TEST_* variable is passed to the suite.
#
# The container runs as root with the host's network, the suite mounted
# read-only; scripts/image-suite/run.sh sets it up inside. Needs docker and go.
set -euo pipefail

if (($# < 1 || $# > 2)); then
  echo "usage: bash scripts/test-app-image.sh IMAGE [PLATFORM]" >&2
  exit 2
fi
IMAGE=$1
PLATFORM=${2:-linux/amd64}
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
for tool in docker go; do
  command -v "$tool" >/dev/null || { echo "test-app-image: $tool is not on PATH" >&2; exit 2; }
done
case "$PLATFORM" in
  linux/amd64 | linux/arm64) ;;
  *) echo "test-app-image: platform $PLATFORM: want linux/amd64 or linux/arm64" >&2; exit 2 ;;
esac

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# The fake S3, static, for the image's architecture.
(cd "$ROOT" && CGO_ENABLED=0 GOOS=linux GOARCH="${PLATFORM#linux/}" go build -o "$WORK/fakes3" ./internal/tools/fakes3)

env_args=()
while IFS='=' read -r name _; do
  [[ "$name" == TEST_* ]] && env_args+=(--env "$name")
done < <(env)

docker run --rm --platform "$PLATFORM" --network host --user 0:0 \
  --entrypoint /bin/bash \
  --volume "$ROOT/app/tests:/suite/tests:ro" \
  --volume "$ROOT/scripts/image-suite/run.sh:/suite/run.sh:ro" \
  --volume "$ROOT/scripts/image-suite/pgproxy.py:/suite/pgproxy.py:ro" \
  --volume "$WORK/fakes3:/suite/fakes3:ro" \
  "${env_args[@]}" \
  "$IMAGE" /suite/run.sh
