#!/usr/bin/env bash
# Regenerates app/requirements.lock from app/requirements.txt: every
# dependency, transitive ones included, pinned to one version with the sha256
# of every file PyPI serves for it (pip-compile --generate-hashes), resolved
# inside the image's own pinned base, so the Python version and platform
# markers are the image's. When the lock exists, the image installs only
# from it, with pip's --require-hashes: a file whose hash is not in the lock
# stops the build. Without it, the image installs requirements.txt (exact
# top-level pins, transitive dependencies resolved at build time, no hashes).
#
# Needs Docker and access to PyPI. Run it after editing requirements.txt and
# commit both files. Usage: bash app/lock-requirements.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
base="$(awk '$1 == "FROM" && $2 ~ /^python:/ { print $2; exit }' Dockerfile)"
[[ -n "$base" ]] || { echo "lock-requirements: no python base image in Dockerfile" >&2; exit 2; }
docker run --rm --user "$(id -u):$(id -g)" -e HOME=/tmp -v "$PWD:/src" -w /src "$base" sh -ec '
  python -m pip install --quiet --user pip-tools==7.6.2
  python -m piptools compile --quiet --generate-hashes --allow-unsafe --strip-extras \
    --no-emit-index-url --output-file requirements.lock requirements.txt
'
echo "lock-requirements: wrote app/requirements.lock from $base" >&2
