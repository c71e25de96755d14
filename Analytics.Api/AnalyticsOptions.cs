using System.ComponentModel.DataAnnotations;

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

    /// <summary>How old a watermark may be when a request reads it; also the poll period while waiting for a token.</summary>
    [Range(5, 5_000)]
    public int WatermarkMaxAgeMs { get; set; } = 25;

    /// <summary>Longest wait a caller may ask of <c>/freshness?token=…&amp;waitMs=…</c> (strong writes use it).</summary>
    [Range(0, 120_000)]
    public int MaxWaitMs { get; set; } = 30_000;

    /// <summary>Largest <c>limit</c> accepted by list endpoints.</summary>
    [Range(1, 100_000)]
    public int MaxLimit { get; set; } = 1_000;

    /// <summary>
    /// Whole-partition aggregates kept for reuse while a partition is unchanged (Partitions/PartitionResultCache.cs),
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
