#!/usr/bin/env bash
# The one declaration of how the Lambda bootstraps are built. `make build`
# runs it, and so does the bench (shared/bench) for the sizes and
# cold starts it reports.
#
#   scripts/build-functions.sh [-host] OUTDIR [FUNCTION...]
#
# Builds functions/<FUNCTION> (default: every one) into
# OUTDIR/<FUNCTION>/bootstrap for Lambda's provided.al2023 runtime on arm64:
# static, no RPC mode, no paths or symbols. Prints each bootstrap's size.
# -host builds the same way for this machine instead, to run the bootstraps
# here. GO names the go command (default: go).
set -euo pipefail

usage() { echo 'usage: scripts/build-functions.sh [-host] OUTDIR [FUNCTION...]' >&2; exit 2; }

GO=${GO:-go}
goos=linux goarch=arm64
if [ "${1:-}" = -host ]; then
  goos=$("$GO" env GOHOSTOS) goarch=$("$GO" env GOHOSTARCH)
  shift
fi
[ $# -ge 1 ] && [ "${1#-}" = "$1" ] || usage
out=$1; shift
case $out in
  /*) dest=$out ;;
  *) dest=$PWD/$out ;;
esac

cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then
  for d in functions/*/main.go; do set -- "$@" "$(basename "$(dirname "$d")")"; done
fi
for f in "$@"; do
  [ -f "functions/$f/main.go" ] || { echo "build-functions: no functions/$f/main.go" >&2; exit 2; }
done

for f in "$@"; do
  CGO_ENABLED=0 GOOS=$goos GOARCH=$goarch "$GO" build -tags lambda.norpc -trimpath -ldflags='-s -w' \
    -o "$dest/$f/bootstrap" "./functions/$f"
done
for f in "$@"; do
  printf '%10d bytes  %s/%s/bootstrap\n' "$(($(wc -c < "$dest/$f/bootstrap")))" "$out" "$f"
done
