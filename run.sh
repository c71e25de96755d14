#!/usr/bin/env bash
# Runs PolyglotAspire: installs the local engines when no container runtime answers (they are what local mode
# runs), then starts the AppHost with the Aspire dashboard on http://localhost:15000. Ctrl-C (or SIGTERM) stops
# the app and every engine process it started. Extra arguments go to the AppHost, e.g.
#   ./run.sh Infrastructure:Mode=local
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

if ! { docker info >/dev/null 2>&1 || podman info >/dev/null 2>&1; }; then
  eng/install-engines.sh
fi
dotnet build AppHost -v quiet -nologo
exec dotnet run --project AppHost --no-build --launch-profile http -- "$@"
