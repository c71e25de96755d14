#!/usr/bin/env bash
# Local-mode PostgreSQL, run by the AppHost as the `postgres` executable resource.
#   usage: postgres.sh <data-dir> <port> [max-slot-wal-keep-size]   (the superuser password comes in PGPASSWORD, never in argv)
# max-slot-wal-keep-size (default 4GB) bounds the WAL the capture slot may retain: a long Kafka outage invalidates the
# slot instead of filling the disk (docs/contracts.md §6).
# First run: initdb. Every run: logical WAL on, listens on 127.0.0.1:<port> only, applies PGPASSWORD to the
# postgres role (so a changed AppHost secret never locks you out of kept data), stays in the foreground.
# SIGTERM/SIGINT → fast shutdown; if this script is killed outright, the server gets SIGINT (pdeathsig).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

data=${1:?data dir} port=${2:?port} max_slot_wal_keep_size=${3:-4GB}
: "${PGPASSWORD:?PGPASSWORD must be set}"
bin=$(postgres_bin) || die "PostgreSQL server binaries not found. Run ./run.sh or eng/install-engines.sh."

# postgres refuses to run as root: drop to the postgres user when we are root. A prefix, not a function,
# so that `$!` of a background command is the server itself.
as_postgres=()
[ "$(id -u)" = 0 ] && as_postgres=(setpriv --reuid=postgres --regid=postgres --init-groups --pdeathsig INT --)

mkdir -p "$data"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$data"
chmod 700 "$data"

if [ ! -f "$data/PG_VERSION" ]; then
  log "initdb $data"
  pwfile=$(mktemp) && printf '%s\n' "$PGPASSWORD" >"$pwfile"
  [ "$(id -u)" = 0 ] && chown postgres "$pwfile"
  "${as_postgres[@]}" "$bin/initdb" -D "$data" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 --pwfile="$pwfile" >/dev/null
  rm -f "$pwfile"
fi

# Only the postgres user can reach the socket inside the 0700 data dir, hence trust there; TCP needs the password.
"${as_postgres[@]}" "$bin/postgres" -D "$data" -p "$port" -k "$data" \
  -c listen_addresses=127.0.0.1 \
  -c wal_level=logical -c max_wal_senders=10 -c max_replication_slots=10 \
  -c track_commit_timestamp=on -c max_slot_wal_keep_size="$max_slot_wal_keep_size" \
  -c max_connections=200 -c shared_buffers=256MB \
  -c logging_collector=off -c log_min_messages=warning &
server=$!
trap 'kill -INT $server 2>/dev/null || true' TERM INT

until "$bin/pg_isready" -q -h "$data" -p "$port" -U postgres; do
  kill -0 $server 2>/dev/null || { wait $server; die "postgres exited during start-up"; }
  sleep 0.1
done
echo "ALTER ROLE postgres PASSWORD :'password';" |
  "${as_postgres[@]}" "$bin/psql" -q -h "$data" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -v password="$PGPASSWORD"
log "PostgreSQL ready on 127.0.0.1:$port (data $data)"

# wait returns early when a trapped signal arrives; wait again for the server to finish shutting down.
wait $server || true
wait $server 2>/dev/null || true
