#!/usr/bin/env bash
# Refreshes the dashboard's vendored chart library: Chart.js from npm (no CDN), verified by its published sha512,
# into Analytics.Api/wwwroot/lib/chart.js/ (the minified UMD build and its licence). Run it only to change the
# version (update both values below, and the note in that folder); the result is committed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

spec="chart.js@4.6.1"
integrity="sha512-hJyniucsFmq//EvXYvJ6c6mahPoI3kaxdjVH8awTaJ/fDNWeSqqqArixMJWkWNN6fcYvPU3HneSANFNYtRi61g=="
target="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/Analytics.Api/wwwroot/lib/chart.js"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack "$spec" --silent >/dev/null)
tarball=$(ls "$work"/*.tgz)
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
[ "$actual" = "$integrity" ] || die "$spec: checksum mismatch (expected $integrity, got $actual)"
tar xzf "$tarball" -C "$work"
mkdir -p "$target"
cp "$work/package/dist/chart.umd.min.js" "$target/chart.umd.min.js"
cp "$work/package/LICENSE.md" "$target/LICENSE.md"
log "vendored $spec into $target"
