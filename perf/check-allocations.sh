#!/usr/bin/env bash
# Fails (exit 1) when a benchmark of the zero-allocation hot path allocates: runs every benchmark in the category
# "zero-alloc" (perf/PolyglotAspire.Benchmarks/Categories.cs) with a short job and reads BytesAllocatedPerOperation
# from BenchmarkDotNet's JSON export, not its console text. Those benchmarks measure per event, so any allocation
# per event shows as at least one object's size; allocations per block or per batch, amortized, round to 0.
# In-process toolchain: no generated project to build (minutes on a busy 2-core machine); allocation counts are
# the same. Usage: perf/check-allocations.sh [more BenchmarkDotNet arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
source eng/common.sh

if ! command -v jq >/dev/null; then
  log "installing from Debian: jq"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends jq >/dev/null
fi

artifacts=$(mktemp -d)
trap 'rm -rf "$artifacts"' EXIT

dotnet build -c Release -nologo -v quiet perf/PolyglotAspire.Benchmarks
log "running the zero-alloc benchmarks (short job)…"
if ! dotnet run -c Release --no-build --project perf/PolyglotAspire.Benchmarks -- \
    --anyCategories zero-alloc --job short --inProcess --exporters json --artifacts "$artifacts" "$@" >"$artifacts/run.log" 2>&1; then
  tail -n 40 "$artifacts/run.log" >&2
  die "BenchmarkDotNet failed"
fi

shopt -s nullglob
reports=("$artifacts"/results/*-report-full-compressed.json)
((${#reports[@]} > 0)) || { tail -n 40 "$artifacts/run.log" >&2; die "no JSON report: no zero-alloc benchmark ran"; }

# One line per benchmark: bytes per operation ("none" when it produced no result, e.g. it threw), name.
jq -r '.Benchmarks[] | "\(.Memory.BytesAllocatedPerOperation // "none")\t\(.FullName)"' "${reports[@]}" >"$artifacts/allocations.tsv"
awk -F'\t' '
  { ok = ($1 == "0"); bad += !ok; printf "%-9s %6s B/op  %s\n", ok ? "ok" : "ALLOCATES", $1, $2 }
  END { if (NR == 0) { print "no benchmark results"; exit 1 } exit bad > 0 }' "$artifacts/allocations.tsv" || {
  log "a zero-alloc benchmark allocates (or produced no result): see above"
  exit 1
}
log "every zero-alloc benchmark allocates 0 B per operation"
