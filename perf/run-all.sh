#!/usr/bin/env bash
# Every measurement in one go, for one quiet run of the machine: builds Release once, runs every load scenario the
# harness registers (in its order, as `… -- list` prints them), then every micro-benchmark, then regenerates the
# Results section of perf/README.md from the newest results. Results land in perf/results/ (commit the ones you keep).
#
#   perf/run-all.sh                  # everything
#   perf/run-all.sh sink analytics   # only these scenarios (then still the benchmarks and the report)
#
# Extra arguments for a scenario: PERF_ARGS_<name, '-' as '_'>, e.g. PERF_ARGS_sink="--events 4000000".
# Skip the micro-benchmarks: PERF_SKIP_BENCHMARKS=1.
set -euo pipefail
cd "$(dirname "$0")/.."
source eng/common.sh

eng/install-engines.sh
log "building Release…"
dotnet build -c Release -nologo -v quiet perf/PolyglotAspire.Load
dotnet build -c Release -nologo -v quiet perf/PolyglotAspire.Benchmarks

load() { dotnet run -c Release --no-build --project perf/PolyglotAspire.Load -- "$@"; }

if (($# > 0)); then
  scenarios=("$@")
else
  mapfile -t scenarios < <(load list)
fi

for scenario in "${scenarios[@]}"; do
  extra_var="PERF_ARGS_${scenario//-/_}"
  read -r -a extra <<<"${!extra_var:-}"
  log "scenario $scenario ${extra[*]:-}"
  load "$scenario" "${extra[@]}"
done

if [[ -z "${PERF_SKIP_BENCHMARKS:-}" ]]; then
  log "micro-benchmarks…"
  # The report step reads perf/results/benchmarks/results/*-report-github.md (the previous run's are replaced).
  rm -rf perf/results/benchmarks
  dotnet run -c Release --no-build --project perf/PolyglotAspire.Benchmarks -- \
    --filter '*' --buildTimeout 900 --exporters github json --artifacts perf/results/benchmarks
fi

load report
