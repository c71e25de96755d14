using System.Globalization;
using ClickHouse.Driver;
using Microsoft.Extensions.Options;
using Npgsql;
using PolyglotAspire.Analytics.Freshness;
using PolyglotAspire.Analytics.Queries;
using PolyglotAspire.Contracts;

namespace PolyglotAspire.Analytics.Reconciliation;

/// <summary>
/// Compares PostgreSQL and ClickHouse exactly, while writes go on, at one point of the change stream (docs/operations.md):
/// <list type="number">
/// <item>PostgreSQL's state at a WAL position <c>L</c> (<see cref="PostgresSnapshot"/>): everything committed at or
/// before <c>L</c>, nothing after. Its per-bucket aggregate starts at once, inside that snapshot.</item>
/// <item>Meanwhile, wait (bounded) until ClickHouse's watermark (the minimum over partitions, contracts.md §2) is ≥ <c>L</c>:
/// every event with a commit LSN ≤ <c>L</c> is then in <c>orders</c>.</item>
/// <item>ClickHouse's aggregate of every order with no row after <c>L</c> — their state at <c>L</c> — and the set of
/// orders with a row after <c>L</c> (<see cref="ClickHouseBuckets"/>).</item>
/// <item>The same orders left out of PostgreSQL's aggregate (their contribution at <c>L</c> subtracted, in the snapshot),
/// then bucket by bucket compared.</item>
/// </list>
/// An order changed after <c>L</c> whose change has not reached ClickHouse yet is compared at its state at <c>L</c> on
/// both sides; one whose change has arrived is left out of both. So lag never shows as a difference, and any other
/// difference (a lost, extra or wrong row) does. Read-only on both stores, one at a time, each statement bounded.
/// </summary>
public sealed partial class Reconciler(
    NpgsqlDataSource source,
    ReconciliationConnection connection,
    IClickHouseClient clickHouse,
    FreshnessMonitor freshness,
    IOptions<AnalyticsOptions> options,
    ReconciliationMetrics metrics,
    TimeProvider time,
    ILogger<Reconciler> logger)
{
    private int _running;
    private ReconciliationReport? _last;

    /// <summary>The last completed reconciliation (the dashboard shows it); null before the first.</summary>
    public ReconciliationReport? Last => Volatile.Read(ref _last);

    public async Task<ReconciliationOutcome> RunAsync(TimeRange range, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            metrics.NotCompared("busy");
            return new ReconciliationOutcome.Busy();
        }

        try
        {
            return await CompareAsync(range, cancellationToken);
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    private async Task<ReconciliationOutcome> CompareAsync(TimeRange range, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var started = time.GetTimestamp();
        await using var snapshot = await PostgresSnapshot.TakeAsync(source, connection.Value, "reconcile",
            TimeSpan.FromMilliseconds(o.ReconciliationSnapshotTimeoutMs), TimeSpan.FromMilliseconds(o.ReconciliationStatementTimeoutMs), cancellationToken);
        var lsn = new ConsistencyToken(snapshot.Lsn);

        // The snapshot's connection serves one statement at a time: whatever happens, the aggregate is over before it is disposed.
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var oltpAll = PostgresBuckets.AllAsync(snapshot, range, abandon.Token);
        try
        {
            var wait = TimeSpan.FromMilliseconds(o.ReconciliationWatermarkWaitMs);
            if (!await freshness.WaitForAsync(lsn, wait, cancellationToken))
            {
                var behind = (await freshness.GetAsync(cancellationToken)).Watermark;
                metrics.NotCompared("not_caught_up");
                LogNotCaughtUp(logger, lsn, behind, wait.TotalSeconds);
                return new ReconciliationOutcome.NotCaughtUp(lsn.ToString(), behind.ToString(), wait);
            }

            // Watermarks never go back: what is read now is ≥ L as well.
            var watermark = (await freshness.GetAsync(cancellationToken)).Watermark;
            var olap = await ClickHouseBuckets.ReadAsync(clickHouse, snapshot.Lsn, range, cancellationToken);
            var oltp = await oltpAll;
            Subtract(oltp, await PostgresBuckets.OfAsync(snapshot, range, olap.Changed, cancellationToken));

            var differences = Compare(oltp, olap.Buckets, out var buckets);
            var report = new ReconciliationReport(snapshot.TakenAt, watermark.ToString(), lsn.ToString(), range.From, range.To,
                buckets, olap.Changed.Count, differences, time.GetElapsedTime(started).TotalSeconds);
            Volatile.Write(ref _last, report);
            metrics.Completed(report);
            if (differences.Count == 0)
            {
                LogEqual(logger, lsn, buckets, olap.Changed.Count, report.ElapsedSeconds);
            }
            else
            {
                LogDifferent(logger, lsn, differences.Count, buckets, olap.Changed.Count);
            }

            return new ReconciliationOutcome.Done(report);
        }
        finally
        {
            await abandon.CancelAsync();
            try
            {
                await oltpAll;
            }
            catch (Exception ex) when (ex is OperationCanceledException or NpgsqlException && abandon.IsCancellationRequested)
            {
                // Abandoned because the comparison ended without it.
            }
        }
    }

    /// <summary>Takes the left-out orders' contribution out of PostgreSQL's buckets; a bucket left with nothing is no bucket.</summary>
    internal static void Subtract(Dictionary<BucketKey, BucketTotals> all, Dictionary<BucketKey, BucketTotals> leftOut)
    {
        foreach (var (key, totals) in leftOut)
        {
            var rest = all[key] - totals;
            if (rest == default)
            {
                all.Remove(key);
            }
            else
            {
                all[key] = rest;
            }
        }
    }

    /// <summary>The buckets where the two sides differ, in day, region, currency order; <paramref name="buckets"/>: how many were compared.</summary>
    internal static List<BucketDifference> Compare(Dictionary<BucketKey, BucketTotals> oltp, Dictionary<BucketKey, BucketTotals> olap, out int buckets)
    {
        var keys = new SortedSet<BucketKey>(oltp.Keys, BucketKey.Order);
        keys.UnionWith(olap.Keys);
        buckets = keys.Count;
        var differences = new List<BucketDifference>();
        foreach (var key in keys)
        {
            var left = oltp.GetValueOrDefault(key);
            var right = olap.GetValueOrDefault(key);
            if (left != right)
            {
                differences.Add(new BucketDifference(key.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), key.Region, key.Currency, left, right));
            }
        }

        return differences;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconciliation at {Lsn}: PostgreSQL and ClickHouse equal in {Buckets} buckets ({Excluded} orders changed after the snapshot left out), {Seconds:F2} s")]
    private static partial void LogEqual(ILogger logger, ConsistencyToken lsn, int buckets, int excluded, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciliation at {Lsn}: {Differences} of {Buckets} buckets differ between PostgreSQL and ClickHouse ({Excluded} orders left out)")]
    private static partial void LogDifferent(ILogger logger, ConsistencyToken lsn, int differences, int buckets, int excluded);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciliation at {Lsn} not compared: ClickHouse's watermark stayed at {Watermark} for {Seconds} s")]
    private static partial void LogNotCaughtUp(ILogger logger, ConsistencyToken lsn, ConsistencyToken watermark, double seconds);
}
