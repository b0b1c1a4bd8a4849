#!/usr/bin/env bash
# Beam's Prism runner at the Beam version setup.py pins, built once through the Go module proxy:
#
#   deploy/prism/prism.sh            # prints the binary's path; builds it first if missing
#   python -m beam_jobs.build_pretraining_data --runner PrismRunner \
#       --prism_location "$(deploy/prism/prism.sh)" --input ... --output_dir ... --vocab_file ...
#
# The first build takes about 5 minutes on 2 cores (Go's module and build caches keep it quicker
# after); the binary is kept in $ENGINE_CACHE/prism-<version> (see deploy/engines.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
source "$ROOT/deploy/engines.sh"

BEAM_VERSION="$(sed -n "s/^BEAM_VERSION = '\(.*\)'\$/\1/p" "$ROOT/setup.py")"
[ -n "$BEAM_VERSION" ] || { echo "prism.sh: setup.py defines no BEAM_VERSION" >&2; exit 1; }
FOLDER="$ENGINE_CACHE/prism-$BEAM_VERSION"
if [ ! -x "$FOLDER/prism" ]; then
  command -v go >/dev/null 2>&1 || { echo "prism.sh: Go is not installed (Prism is built with go install)" >&2; exit 1; }
  echo "building Beam $BEAM_VERSION's Prism runner (go install, minutes the first time)" >&2
  GOBIN="$FOLDER" go install "github.com/apache/beam/sdks/v2/go/cmd/prism@v$BEAM_VERSION" >&2 \
    || { echo "prism.sh: go install of Prism v$BEAM_VERSION failed" >&2; exit 1; }
fi
echo "$FOLDER/prism"
