using PolyglotAspire.Contracts;

namespace PolyglotAspire.SyncWorker;

/// <summary>
/// The <c>SyncWorker</c> configuration section, validated at start-up (<see cref="SyncWorkerOptionsValidator"/>).
/// Defaults come from measurements on the project's 2-core machine (perf/README.md, the <c>sink</c> load scenario
/// and <c>TranscodeBenchmarks</c>); each says why it is what it is.
/// </summary>
public sealed class SyncWorkerOptions
{
    public const string SectionName = "SyncWorker";

    /// <summary>The consumer group (contracts.md §1).</summary>
    public const string ConsumerGroup = "sync-worker";

    public string Topic { get; set; } = Topics.OrderEvents;

    public string DeadLetterTopic { get; set; } = Topics.OrderEventsDeadLetter;

    /// <summary>
    /// Flush when a batch holds this many rows. 100k: the sink scenario's drain rate reaches its plateau by ~50k
    /// rows per insert (each insert is one HTTP request, one part, ~25–40 ms of fixed cost per batch, measured on
    /// the former ClickHouse.Emulator front), and 100k rows of ~110 bytes stay well under <see cref="BatchMaxBytes"/>.
    /// Larger batches only add memory and make a retried batch costlier.
    /// </summary>
    public int BatchMaxRows { get; set; } = 100_000;

    /// <summary>
    /// Flush when a batch's RowBinary reaches this size: a guard for unusually wide rows (long customer ids), so
    /// that one batch never holds more than this in pooled buffers. 32 MiB ≈ 290k typical rows.
    /// </summary>
    public long BatchMaxBytes { get; set; } = 32L << 20;

    /// <summary>
    /// Group commit: a non-empty batch is flushed as soon as nothing more is waiting to be decoded, the committer waits
    /// for a batch and its first message is at least this old. 0 (the default): a batch waits only while data is
    /// arriving, so at light and steady rates a row is inserted about one insert after it was consumed, and under
    /// load batches grow on their own while the committer is busy (measured in perf/README.md, <c>freshness</c>,
    /// against the former fixed 100 ms age trigger). Raise it to trade freshness for fewer, larger inserts.
    /// </summary>
    public TimeSpan BatchLinger { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Upper bound on a batch's age: it is flushed once its first message is this old and the committer can take it,
    /// even while input keeps arriving below the row and byte limits. 1 s lets the size limits win while a backlog
    /// drains (100k rows take ~0.4 s at the measured 250k events/s): with 100 ms a 2M-event drain cut into ~25k-row
    /// inserts did not finish within 6 minutes, with 1 s it drained at 246k events/s (perf <c>sink</c>,
    /// 2026-12-05). Light load never reaches it: group commit (<see cref="BatchLinger"/>) flushes first.
    /// </summary>
    public TimeSpan BatchMaxAge { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Blocks (of up to <see cref="BlockMessages"/> messages) buffered between the consume loop and the decoder.
    /// 32 × 1,024 messages ≈ 32k messages (≈ 5 MB of envelopes; ≤ 36 pooled block arenas): a backlog keeps the decoder busy
    /// while the consume loop is not scheduled, and backpressure (pausing the partitions) still reacts within a batch.
    /// Alternating 2M-event drains (perf <c>sink --repeat 1</c>, 2026-12-05): 322k and 324k events/s against 272k and
    /// 250k with 8, and 1.7 against 1.9 worker CPU-s per 1M. It only holds what is already waiting: two alternating
    /// freshness pairs at 500 and 2,000 orders/s showed no consistent difference in commit → visible (docs/decisions.md).
    /// </summary>
    public int ChannelCapacity { get; set; } = 32;

    /// <summary>
    /// Messages per block handed from the consume loop to the decoder (one channel operation each). 1,024 makes the
    /// channel's cost negligible per message; a partial block is handed over as soon as Kafka has nothing more, so
    /// this never adds latency.
    /// </summary>
    public int BlockMessages { get; set; } = 1024;

    /// <summary>
    /// Inserts in flight at once. Whatever this is, sync_state and commits follow batch order (a batch is finalized
    /// only after every batch before it), so a faster later insert never lets a commit pass unwritten data.
    /// </summary>
    public int InsertParallelism { get; set; } = 1;

    /// <summary>
    /// Full batches (row or byte limit) waiting for the busy committer while the next one fills, so that decoding a
    /// backlog overlaps its inserts. A batch below its limits is never queued: it keeps growing until the committer is
    /// free, so this never delays a row at steady rates. 2: a 2M-event drain (perf <c>sink</c>, 2026-12-05, alternating
    /// runs) went at 283k/287k/290k events/s against 247k–269k in five runs with 1 (3: 272k; 2 with two inserts in flight:
    /// 254k), at one more pooled batch (~11 MB at 100k rows).
    /// </summary>
    public int PendingBatches { get; set; } = 2;

    /// <summary>
    /// How long the consume loop waits for room in a full pipeline before it pauses its partitions (and keeps
    /// polling, so rebalances are served). While draining a backlog the pipeline is full all the time and room
    /// comes within one insert; pausing then would make librdkafka drop and re-fetch its prefetched messages again
    /// and again (measured: dozens of pauses per drain, several times the CPU per event). 1 s is far below
    /// <c>max.poll.interval.ms</c> (300 s) and delays a rebalance callback by at most that.
    /// </summary>
    public TimeSpan PauseAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long the consume loop waits in Kafka's poll when it has nothing buffered.</summary>
    public TimeSpan PollTimeout { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>First retry delay of a failed ClickHouse operation (then exponential, with full jitter).</summary>
    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Retry delays never exceed this: after an outage the worker notices recovery within it.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The freshness the worker promises: ClickHouse at most this far behind the source (now minus the as_of watermark
    /// of the furthest-behind partition; the relay's heartbeats keep it moving when no order changes). Beyond it /health
    /// says Degraded, with the lag, and a configured <see cref="BatchLinger"/> is skipped from half of it. 5 s: about
    /// 3× the p99 commit→visible measured at 2,000 orders/s on the 2-core box (perf/README.md, <c>freshness</c>), so
    /// it means something is wrong, not a busy second.
    /// </summary>
    public TimeSpan FreshnessTarget { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>/health reports Degraded once an operation has been retried for this long.</summary>
    public TimeSpan DegradedAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// /health (ready, not alive: a restart would not help) reports Unhealthy once a transient failure has been
    /// retried for this long. A failure that needs an operator (authentication, privileges, schema) is Unhealthy at once.
    /// </summary>
    public TimeSpan UnhealthyAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// On a revocation, how long to wait for what was consumed to be written and committed before giving the
    /// partitions up uncommitted. Must stay well below the consumer's session timeout (10 s by default): on the
    /// classic group protocol the rebalance waits for this member's rejoin that long at most.
    /// </summary>
    public TimeSpan RevocationFlushTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>On shutdown, how long to keep draining (inserting, committing) before giving up without a commit.</summary>
    public TimeSpan ShutdownDrainTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>HTTP timeout of one ClickHouse request (a timed-out insert is retried with the same token).</summary>
    public TimeSpan ClickHouseTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// HTTP timeout of one schema migration statement. A migration copies the whole <c>orders</c> table in one
    /// <c>INSERT … SELECT</c> (about 1 M rows/s here): a timeout would only make it start over, so it is generous.
    /// </summary>
    public TimeSpan MigrationTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// gzip the RowBinary of inserts. Off by default: on a local or same-datacenter link the CPU costs more than the
    /// bandwidth saves (measured: ~15% fewer rows/s through the former ClickHouse.Emulator HTTP front); turn it on across slow links.
    /// </summary>
    public bool CompressInserts { get; set; }

    /// <summary>
    /// A ClickHouse cluster name: the schema is created <c>ON CLUSTER</c> with <c>Replicated*</c> local tables and
    /// <c>Distributed</c> tables under the agreed names, and inserts wait for the shards. Empty: one server.
    /// </summary>
    public string? ClickHouseCluster { get; set; }

    /// <summary>Trace links a batch span carries, at most (OpenTelemetry's default span link limit is 128).</summary>
    public int MaxTraceLinksPerBatch { get; set; } = 128;

    /// <summary>
    /// Orders per backfill insert (and per RowBinary batch read from PostgreSQL's COPY while the previous one is
    /// inserted). 250k rows ≈ 28 MB: the insert's fixed cost is well amortised (the pipeline plateaus by ~50k), and
    /// two batches in memory stay small.
    /// </summary>
    public int BackfillBatchRows { get; set; } = 250_000;

    /// <summary>
    /// Rows per second a backfill copies at most, 0 for no limit: a rebuild on a busy production database can be made
    /// to leave PostgreSQL and ClickHouse room for their own work. A request may ask for less (its <c>maxRowsPerSecond</c>).
    /// </summary>
    public int BackfillMaxRowsPerSecond { get; set; }

    /// <summary>Longest a backfill's snapshot may take to set up (the temporary slot waits for running transactions).</summary>
    public TimeSpan BackfillSnapshotTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary><c>statement_timeout</c> of the backfill's COPY: the whole table in one statement (≈10 s per million orders here).</summary>
    public TimeSpan BackfillStatementTimeout { get; set; } = TimeSpan.FromHours(2);

    /// <summary>
    /// How long a backfill waits, after its copy, for the stream (the watermark) to pass its snapshot before it places
    /// tombstones; past it the backfill fails with the rows copied (running it again finishes the job).
    /// </summary>
    public TimeSpan BackfillWatermarkWait { get; set; } = TimeSpan.FromMinutes(5);
}
