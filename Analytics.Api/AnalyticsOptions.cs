using System.ComponentModel.DataAnnotations;
using PolyglotAspire.Analytics.Partitions;

namespace PolyglotAspire.Analytics;

/// <summary>Analytics.Api settings (section <c>Analytics</c>), validated at start.</summary>
public sealed class AnalyticsOptions
{
    public const string SectionName = "Analytics";

    /// <summary>
    /// How long a <c>session</c> read waits for ClickHouse to pass the caller's token before it is answered from
    /// PostgreSQL instead. A few heartbeat intervals (500 ms) plus a flush: the pipeline's normal delay fits.
    /// </summary>
    [Range(0, 60_000)]
    public int SessionWaitMs { get; set; } = 2_000;

    /// <summary>How old a watermark may be when a request reads it.</summary>
    [Range(5, 5_000)]
    public int WatermarkMaxAgeMs { get; set; } = 25;

    /// <summary>
    /// While a token waits (a <c>session</c> read, a strong write), the watermark is read again this long after the
    /// previous read ended, not after <see cref="WatermarkMaxAgeMs"/>: the wait is what the caller sees. Waiters share
    /// each read, so this costs one small query on each store per period only while someone waits.
    /// </summary>
    [Range(1, 5_000)]
    public int TokenPollMs { get; set; } = 5;

    /// <summary>
    /// How old a watermark an <c>eventual</c> answer may carry without waiting for a new read (which then starts in
    /// the background): reading it first cost each answer two round trips (~4 ms here) whenever requests came less
    /// often than every <see cref="WatermarkMaxAgeMs"/>. An older observation only understates freshness: the answer
    /// still holds at least what its <c>asOf</c> says, and its <c>lagMs</c> counts the observation's age.
    /// </summary>
    [Range(5, 60_000)]
    public int WatermarkServeStaleMs { get; set; } = 1_000;

    /// <summary>Longest wait a caller may ask of <c>/freshness?token=…&amp;waitMs=…</c> (strong writes use it).</summary>
    [Range(0, 120_000)]
    public int MaxWaitMs { get; set; } = 30_000;

    /// <summary>
    /// How long the shared read of freshness (ClickHouse's <c>sync_state</c> and PostgreSQL's clock) may take: past it
    /// every waiting caller gets an error (503, or the PostgreSQL fallback for session and bounded reads) instead of
    /// waiting for ever on a store that does not answer.
    /// </summary>
    [Range(100, 60_000)]
    public int FreshnessReadTimeoutMs { get; set; } = 2_000;

    /// <summary>
    /// Long-poll waits (a <c>session</c> read waiting for its token, <c>/freshness?waitMs=</c>) at once. Beyond it a
    /// session read does not wait (ClickHouse if it already has the token, else the fallback), and a freshness wait
    /// answers 503 with <c>Retry-After</c>.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxConcurrentWaits { get; set; } = 256;

    /// <summary>
    /// PostgreSQL fallback queries at once (the admission control that keeps analytics off the OLTP primary). Beyond
    /// it up to <see cref="FallbackQueueLimit"/> wait up to <see cref="FallbackQueueTimeoutMs"/>; the rest get 503 with
    /// <c>Retry-After</c>.
    /// </summary>
    [Range(1, 256)]
    public int FallbackMaxConcurrency { get; set; } = 4;

    [Range(0, 10_000)]
    public int FallbackQueueLimit { get; set; } = 16;

    [Range(0, 60_000)]
    public int FallbackQueueTimeoutMs { get; set; } = 1_000;

    /// <summary><c>statement_timeout</c> of the fallback's connections: a heavy question is cut off, not left on the primary.</summary>
    [Range(100, 600_000)]
    public int FallbackStatementTimeoutMs { get; set; } = 5_000;

    /// <summary>
    /// <c>max_parallel_workers_per_gather</c> of the fallback's connections. 0: one fallback query uses one core, so
    /// <see cref="FallbackMaxConcurrency"/> bounds the cores analytics can take from the primary (with PostgreSQL's
    /// default of 2, a heavy aggregate over the order book takes three: a whole 2-core machine).
    /// </summary>
    [Range(0, 64)]
    public int FallbackParallelWorkers { get; set; }

    /// <summary>Largest <c>limit</c> accepted by list endpoints.</summary>
    [Range(1, 100_000)]
    public int MaxLimit { get; set; } = 1_000;

    /// <summary>
    /// Whole-partition aggregates kept for reuse, each as of an insert block (Partitions/PartitionResultCache.cs),
    /// at most. One is a question shape × a month: the dashboard's questions over ten years of months take ~600;
    /// a region filter is a shape of its own. 0 turns the cache off.
    /// </summary>
    [Range(0, 1_000_000)]
    public int PartitionCacheMaxEntries { get; set; } = 10_000;

    /// <summary>
    /// The cache's size bound, estimated from what it holds (an entry of a month by day in three currencies: ~10 KB).
    /// Least recently used entries go first.
    /// </summary>
    [Range(0, 1L << 34)]
    public long PartitionCacheMaxBytes { get; set; } = 64L << 20;

    /// <summary>
    /// Groups kept over whole ranges of partitions for questions with too many groups to keep per partition (top
    /// customers: one per customer and currency, Partitions/RangeAggregator.cs), at most, all ranges together; about
    /// 100 bytes a group. All time in one currency at 10 M orders from 200k customers is 200k groups. 0 keeps none.
    /// </summary>
    [Range(0, 100_000_000)]
    public int RangeCacheMaxGroups { get; set; } = 1_000_000;

    /// <summary>
    /// When a kept partition result whose partition got newer insert blocks is extended by the orders of those blocks
    /// instead of computed whole (Partitions/PartitionedAggregator.cs): when that should cost less (the default; the
    /// rule and the measurements behind it: Partitions/PartitionParts.cs), never (as before extension existed; the perf
    /// <c>analytics</c> scenario measures it against the default in one run), or always (tests of the mechanism).
    /// </summary>
    public PartitionExtension ExtendKeptPartitions { get; set; } = PartitionExtension.WhenCheaper;

    /// <summary>The dashboard turns its freshness indicator into a warning above this lag.</summary>
    [Range(0, 3_600_000)]
    public int LagWarningMs { get; set; } = 5_000;

    /// <summary>How often the dashboard page refreshes itself.</summary>
    [Range(1, 3_600)]
    public int DashboardRefreshSeconds { get; set; } = 5;

    /// <summary>
    /// How long a reconciliation waits for ClickHouse's watermark to pass its snapshot before it answers 503: a few
    /// heartbeats (500 ms) and flushes normally; longer means the pipeline is behind, paused or down.
    /// </summary>
    [Range(0, 600_000)]
    public int ReconciliationWatermarkWaitMs { get; set; } = 15_000;

    /// <summary>
    /// Longest a reconciliation's snapshot may take to set up (creating the temporary replication slot waits for
    /// transactions running at that moment to end).
    /// </summary>
    [Range(100, 600_000)]
    public int ReconciliationSnapshotTimeoutMs { get; set; } = 10_000;

    /// <summary>
    /// <c>statement_timeout</c> of each PostgreSQL statement of a reconciliation (its aggregate scans every order in the
    /// range: about 0.5 s per million orders here). ClickHouse's side is bounded by the reader profile's
    /// <c>max_execution_time</c>.
    /// </summary>
    [Range(100, 3_600_000)]
    public int ReconciliationStatementTimeoutMs { get; set; } = 120_000;
}
