using Microsoft.Extensions.Options;
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
    /// Flush a non-empty batch once its first message is this old. This is what bounds freshness at low and
    /// steady rates: at 2,000 orders/s, commit→visible is about this plus one insert (the sink scenario). 100 ms
    /// gives a p99 of a few hundred ms while keeping inserts at ≤ 10/s (ClickHouse guidance: about one insert per
    /// second per table is comfortable, tens per second are fine for a MergeTree on one node; parts merge away).
    /// </summary>
    public TimeSpan BatchMaxAge { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Blocks (of up to <see cref="BlockMessages"/> messages) buffered between the consume loop and the decoder.
    /// 8 × 1,024 messages ≈ 8k messages (≈ 2 MB): enough to keep the decoder busy across a Kafka fetch, small
    /// enough that backpressure (pausing the partitions) reacts within milliseconds.
    /// </summary>
    public int ChannelCapacity { get; set; } = 8;

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

    /// <summary>Sealed batches waiting for the committer while the next one fills (1: decode and insert overlap).</summary>
    public int PendingBatches { get; set; } = 1;

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

    /// <summary>/health reports Degraded once an operation has been retried for this long.</summary>
    public TimeSpan DegradedAfter { get; set; } = TimeSpan.FromSeconds(5);

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
}

/// <summary>Checks <see cref="SyncWorkerOptions"/> at start-up: the worker refuses to run on nonsense.</summary>
public sealed class SyncWorkerOptionsValidator : IValidateOptions<SyncWorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, SyncWorkerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();

        void Require(bool condition, string message)
        {
            if (!condition)
            {
                failures.Add($"{SyncWorkerOptions.SectionName}:{message}");
            }
        }

        static bool Between(TimeSpan value, TimeSpan min, TimeSpan max) => value >= min && value <= max;

        Require(!string.IsNullOrWhiteSpace(options.Topic), "Topic must be set.");
        Require(!string.IsNullOrWhiteSpace(options.DeadLetterTopic), "DeadLetterTopic must be set.");
        Require(options.DeadLetterTopic != options.Topic, "DeadLetterTopic must differ from Topic.");
        Require(options.BatchMaxRows is >= 1 and <= 10_000_000, $"BatchMaxRows is {options.BatchMaxRows}; expected 1 to 10,000,000.");
        Require(options.BatchMaxBytes is >= 64 << 10 and <= 1L << 30, $"BatchMaxBytes is {options.BatchMaxBytes}; expected 64 KiB to 1 GiB.");
        Require(Between(options.BatchMaxAge, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(10)),
            $"BatchMaxAge is {options.BatchMaxAge}; expected 1 ms to 10 min.");
        Require(options.ChannelCapacity is >= 1 and <= 10_000, $"ChannelCapacity is {options.ChannelCapacity}; expected 1 to 10,000.");
        Require(options.BlockMessages is >= 1 and <= 1_000_000, $"BlockMessages is {options.BlockMessages}; expected 1 to 1,000,000.");
        Require(options.InsertParallelism is >= 1 and <= 16, $"InsertParallelism is {options.InsertParallelism}; expected 1 to 16.");
        Require(options.PendingBatches is >= 1 and <= 16, $"PendingBatches is {options.PendingBatches}; expected 1 to 16.");
        Require(Between(options.PauseAfter, TimeSpan.Zero, TimeSpan.FromSeconds(60)), $"PauseAfter is {options.PauseAfter}; expected 0 to 60 s.");
        Require(Between(options.PollTimeout, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(10)),
            $"PollTimeout is {options.PollTimeout}; expected 1 ms to 10 s.");
        Require(Between(options.RetryInitialDelay, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1)),
            $"RetryInitialDelay is {options.RetryInitialDelay}; expected 1 ms to 1 min.");
        Require(Between(options.RetryMaxDelay, options.RetryInitialDelay, TimeSpan.FromMinutes(10)),
            $"RetryMaxDelay is {options.RetryMaxDelay}; expected RetryInitialDelay to 10 min.");
        Require(Between(options.DegradedAfter, TimeSpan.Zero, TimeSpan.FromHours(1)), $"DegradedAfter is {options.DegradedAfter}; expected 0 to 1 h.");
        Require(Between(options.RevocationFlushTimeout, TimeSpan.Zero, TimeSpan.FromMinutes(2)),
            $"RevocationFlushTimeout is {options.RevocationFlushTimeout}; expected 0 to 2 min (below the consumer session timeout).");
        Require(Between(options.ShutdownDrainTimeout, TimeSpan.Zero, TimeSpan.FromMinutes(10)),
            $"ShutdownDrainTimeout is {options.ShutdownDrainTimeout}; expected 0 to 10 min.");
        Require(Between(options.ClickHouseTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)),
            $"ClickHouseTimeout is {options.ClickHouseTimeout}; expected 1 s to 1 h.");
        Require(options.MaxTraceLinksPerBatch is >= 0 and <= 10_000, $"MaxTraceLinksPerBatch is {options.MaxTraceLinksPerBatch}; expected 0 to 10,000.");
        Require(string.IsNullOrWhiteSpace(options.ClickHouseCluster) || !options.ClickHouseCluster.Contains('`', StringComparison.Ordinal),
            "ClickHouseCluster must be a cluster name (no backquotes) or empty.");

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
