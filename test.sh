#!/usr/bin/env bash
# Passes the tests on a fresh machine: installs what is missing (idempotent), builds warning-free, runs every
# test project (unit, app model, and the integration suite on real engines in local mode).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

eng/install-engines.sh
eng/install-test-tools.sh
dotnet build PolyglotAspire.sln -nologo -v quiet
dotnet test PolyglotAspire.sln --no-build --nologo --blame-hang-timeout 15m "$@"
