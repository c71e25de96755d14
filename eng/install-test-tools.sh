#!/usr/bin/env bash
# Installs what the tests need beyond the engines, idempotently: Debian's Chromium, which the dashboard's browser
# test drives through Playwright (Playwright cannot download its own browsers here).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if ! command -v chromium >/dev/null; then
  [ "$(id -u)" = 0 ] || die "missing Debian package: chromium. Installing it needs root: run
  sudo apt-get install -y --no-install-recommends chromium
once, then run this again."
  log "installing from Debian: chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
log "test tools ready: $(chromium --version 2>/dev/null | head -1)"
