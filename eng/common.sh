# Shared by the eng/ scripts: where engines live and small helpers. Source it, do not run it.
ENGINES=${POLYGLOT_ENGINES:-${XDG_CACHE_HOME:-$HOME/.cache}/polyglot-aspire/engines}
KAFKA_HOME=$ENGINES/kafka-0.9.0.1
CHDB_HOME=$ENGINES/chdb-26.7.3

log() { echo "[$(basename "$0")] $*" >&2; }
die() { log "error: $*"; exit 1; }

# Prints the newest Debian PostgreSQL server bin directory (Debian keeps it out of PATH).
postgres_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$dir" ] && [ -x "$dir/postgres" ] && echo "$dir"
}
