#!/usr/bin/env bash
# Local-mode Kafka, run by the AppHost as the `kafka` executable resource: ZooKeeper 3.4 + Apache Kafka
# 0.9.0.1 on Java 17, both on 127.0.0.1, data kept under <data-dir>.
#   usage: kafka.sh <data-dir> <broker-port> <zookeeper-port> <partitions> <topic>...
# Creates the topics (0.9 has no AdminClient CreateTopics). SIGTERM/SIGINT → controlled shutdown of the
# broker, then ZooKeeper; if this script is killed outright, both JVMs get SIGTERM (pdeathsig).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

data=${1:?data dir} port=${2:?broker port} zk_port=${3:?zookeeper port} partitions=${4:?partitions}
shift 4
topics=("$@")
[ -f "$KAFKA_HOME/.installed" ] || die "Kafka 0.9.0.1 not found in $KAFKA_HOME. Run ./run.sh or eng/install-engines.sh."
command -v java >/dev/null || die "java not found. Run ./run.sh or eng/install-engines.sh."

mkdir -p "$data/zookeeper" "$data/kafka-logs" "$data/logs"
# Java 17 rejects the GC flags 0.9's scripts pass unless these are set; JMX is not needed.
export KAFKA_GC_LOG_OPTS="-Xlog:disable" KAFKA_JMX_OPTS=" " LOG_DIR="$data/logs"
export KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms256M -Xmx512M}

cat >"$data/zookeeper.properties" <<PROPS
dataDir=$data/zookeeper
clientPort=$zk_port
clientPortAddress=127.0.0.1
maxClientCnxns=0
PROPS
cat >"$data/server.properties" <<PROPS
broker.id=0
host.name=127.0.0.1
port=$port
advertised.host.name=127.0.0.1
advertised.port=$port
log.dirs=$data/kafka-logs
zookeeper.connect=127.0.0.1:$zk_port
zookeeper.connection.timeout.ms=10000
num.partitions=$partitions
auto.create.topics.enable=false
delete.topic.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
# librdkafka's default session timeout (45 s) is above 0.9's default limit (30 s).
group.max.session.timeout.ms=300000
# One broker: there is no other replica to hand leadership to, and a controlled shutdown hangs if ZooKeeper is gone.
controlled.shutdown.enable=false
log.retention.hours=168
# 0.9's cleaner wants a 128 MB dedupe buffer by default: too much for a small heap.
log.cleaner.dedupe.buffer.size=16777216
message.max.bytes=10485760
replica.fetch.max.bytes=10485760
PROPS

# A prefix, not a function, so that `$!` of a background command is the JVM itself.
run_jvm=(setpriv --pdeathsig TERM --)

"${run_jvm[@]}" "$KAFKA_HOME/bin/zookeeper-server-start.sh" "$data/zookeeper.properties" >"$data/logs/zookeeper.out" 2>&1 &
zookeeper=$!
broker=
# stop_jvm <pid>: SIGTERM, then SIGKILL if it has not exited within 20 s.
stop_jvm() {
  kill -TERM "$1" 2>/dev/null || return 0
  for _ in $(seq 200); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  log "pid $1 did not stop in 20 s: killing it"
  kill -KILL "$1" 2>/dev/null || true
}
stop() {
  trap - TERM INT
  [ -n "$broker" ] && stop_jvm "$broker"
  stop_jvm "$zookeeper"
  exit 0
}
trap stop TERM INT

until (exec 3<>"/dev/tcp/127.0.0.1/$zk_port") 2>/dev/null; do
  kill -0 $zookeeper 2>/dev/null || die "ZooKeeper exited during start-up: see $data/logs/zookeeper.out"
  sleep 0.1
done

# After an unclean stop, ZooKeeper restores the old broker's session and its /brokers/ids/0 registration
# until that session expires (~6 s), and 0.9 refuses to start while it is there: wait for it to go.
zk_dump() { (exec 3<>"/dev/tcp/127.0.0.1/$zk_port" && echo dump >&3 && timeout 2 cat <&3) 2>/dev/null || true; }
for _ in $(seq 60); do
  zk_dump | grep -q '/brokers/ids/0' || break
  sleep 0.5
done

"${run_jvm[@]}" "$KAFKA_HOME/bin/kafka-server-start.sh" "$data/server.properties" &
broker=$!

until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
  kill -0 $broker 2>/dev/null || die "the Kafka broker exited during start-up"
  sleep 0.1
done

for topic in "${topics[@]}"; do
  (
    out=$("$KAFKA_HOME/bin/kafka-topics.sh" --zookeeper "127.0.0.1:$zk_port" --create --topic "$topic" \
      --partitions "$partitions" --replication-factor 1 2>&1) || true
    case "$out" in
      *"Created topic"*) log "created topic $topic ($partitions partitions)" ;;
      *"already exists"*) ;;
      *) log "could not create topic $topic: $out" ;;
    esac
  ) &
done
log "Kafka 0.9.0.1 ready on 127.0.0.1:$port (ZooKeeper 127.0.0.1:$zk_port, data $data)"

wait $broker || true
log "the Kafka broker exited"
stop
