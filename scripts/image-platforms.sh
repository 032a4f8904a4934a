#!/usr/bin/env bash
# Prints, as a JSON list, the Docker platforms the stacks' images are built
# for: each Pulumi.<stack>.yaml's djangofargate:architecture (x86_64 ->
# linux/amd64, arm64 -> linux/arm64), or the default that Pulumi.yaml
# declares; a stack that deploys a prebuilt image (djangofargate:image)
# builds nothing. The image workflow builds and tests one image per entry.
#
# Usage: bash scripts/image-platforms.sh [DIR]   (DIR holds Pulumi.yaml; default: the repository)
#   e.g. ["linux/amd64","linux/arm64"]
set -euo pipefail

DIR="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
[[ -f "$DIR/Pulumi.yaml" ]] || { echo "image-platforms: no Pulumi.yaml in $DIR" >&2; exit 2; }

# The architecture key's default in Pulumi.yaml's config block.
default="$(awk '
  /^  architecture:[[:space:]]*$/ { inside = 1; next }
  inside && /^  [^ ]/ { inside = 0 }
  inside && /^    default:/ { sub(/^    default:[[:space:]]*/, ""); gsub(/["'\'']/, ""); print; exit }
' "$DIR/Pulumi.yaml")"
default="${default:-x86_64}"

# value FILE KEY prints a top-level config value of a stack file ("" if unset).
value() {
  awk -v key="$2" '
    $1 == key":" { sub(/^[^:]*:[^:]*:[[:space:]]*/, ""); sub(/[[:space:]]+#.*$/, ""); gsub(/["'\'']/, ""); print; exit }
  ' "$1"
}

platforms=()
shopt -s nullglob
for file in "$DIR"/Pulumi.*.yaml; do
  [[ -n "$(value "$file" djangofargate:image)" ]] && continue
  arch="$(value "$file" djangofargate:architecture)"
  case "${arch:-$default}" in
    x86_64) platform=linux/amd64 ;;
    arm64) platform=linux/arm64 ;;
    *) echo "image-platforms: $file: djangofargate:architecture ${arch:-$default}: want x86_64 or arm64" >&2; exit 1 ;;
  esac
  [[ " ${platforms[*]} " == *" $platform "* ]] || platforms+=("$platform")
done
((${#platforms[@]})) || { echo "image-platforms: no stack in $DIR builds an image" >&2; exit 1; }

mapfile -t platforms < <(printf '%s\n' "${platforms[@]}" | sort)
json="$(printf '"%s",' "${platforms[@]}")"
printf '[%s]\n' "${json%,}"
