using PolyglotAspire.Contracts;

namespace PolyglotAspire.Analytics.Freshness;

/// <summary>How far ClickHouse has applied one Kafka partition (a row of <c>sync_state</c>), and whose WAL its LSN is in.</summary>
public sealed record PartitionWatermark(int Partition, ConsistencyToken Watermark, DateTimeOffset AsOf, ulong SourceSystemId = 0, uint SourceTimeline = 0);

/// <summary>
/// How fresh ClickHouse is. <see cref="Watermark"/>: every write whose token is ≤ it is visible.
/// <see cref="AsOf"/>: the source commit time through which ClickHouse holds every change.
/// <see cref="LagMs"/>: how far behind the source it is now — 0 when nothing committed after <see cref="AsOf"/>,
/// even if the system is idle. Null when nothing has been synchronised yet, and when the watermarks cannot be trusted
/// (<see cref="Untrusted"/> says why: then nothing counts as visible and reads that need freshness go to PostgreSQL).
/// </summary>
public sealed record FreshnessSnapshot(
    ConsistencyToken Watermark,
    DateTimeOffset? AsOf,
    long? LagMs,
    bool CaughtUp,
    IReadOnlyList<PartitionWatermark> Partitions,
    string? Untrusted = null)
{
    /// <summary>
    /// The watermark and as-of of all partitions: the weakest one bounds what is visible. A partition the worker
    /// owns but has applied nothing of yet (watermark 0) makes the whole answer "nothing synchronised".
    /// </summary>
    public static (ConsistencyToken Watermark, DateTimeOffset? AsOf) Combine(IReadOnlyList<PartitionWatermark> partitions) =>
        partitions.Count == 0 || partitions.Any(p => p.Watermark == default)
            ? (default, null)
            : (partitions.Min(p => p.Watermark), partitions.Min(p => p.AsOf));

    /// <summary>
    /// Lag from the source's own clock and last commit (both PostgreSQL's, the clock commit times come from):
    /// 0 when ClickHouse holds everything committed so far, else how long ago <paramref name="asOf"/> was.
    /// Without the source's last commit time (PostgreSQL unreachable), only the clock difference is known.
    /// </summary>
    /// <param name="asOf">ClickHouse's as-of, when the watermarks were read.</param>
    /// <param name="sourceNow">The source's clock now (extrapolated from when it was read).</param>
    /// <param name="lastSourceCommit">The source's last commit, when it was read.</param>
    /// <param name="staleFor">
    /// How long ago that was, if too long to take "caught up" as still true (an eventual answer may carry an older
    /// observation): whatever was committed since may be missing, so the lag is at least that age.
    /// </param>
    public static (long? LagMs, bool CaughtUp) Lag(DateTimeOffset? asOf, DateTimeOffset sourceNow, DateTimeOffset? lastSourceCommit, TimeSpan staleFor = default)
    {
        if (asOf is not { } synced)
        {
            return (null, false);
        }

        if (lastSourceCommit is { } last && synced >= last)
        {
            return staleFor > TimeSpan.Zero ? ((long)staleFor.TotalMilliseconds, false) : (0, true);
        }

        return (Math.Max(0, (long)(sourceNow - synced).TotalMilliseconds), false);
    }
}
