using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using Microsoft.Extensions.Options;
using Npgsql;
using PolyglotAspire.Contracts;
using PolyglotAspire.Contracts.Analytics;

namespace PolyglotAspire.Analytics.Freshness;

/// <summary>
/// Reads how far ClickHouse has applied the change stream (<c>sync_state</c>, written by the sync worker) and
/// compares it with the source (PostgreSQL's clock, last commit and WAL position, read right after). A watermark is
/// trusted only if it belongs to that PostgreSQL and is not ahead of its WAL (<see cref="SourcePosition.Distrust"/>).
/// Concurrent callers share one read of both per <see cref="AnalyticsOptions.WatermarkMaxAgeMs"/> (per
/// <see cref="AnalyticsOptions.TokenPollMs"/> while a token waits), so many answers and waiting <c>session</c> reads
/// cost one small query on each store per period, not one each.
/// </summary>
public sealed partial class FreshnessMonitor(
    IClickHouseClient clickHouse,
    NpgsqlDataSource source,
    IOptions<AnalyticsOptions> options,
    TimeProvider time,
    ILogger<FreshnessMonitor> logger)
{
    private const string WatermarkSql = $$"""
        SELECT partition, lsn, toUnixTimestamp64Milli(as_of) AS as_of_ms, source_system_id, source_timeline
        FROM {{SyncStateTable.Name}} FINAL
        WHERE topic = {topic:String}
        ORDER BY partition
        """;

    // Both in PostgreSQL's clock, which is the clock commit times (and so as_of) come from; and its WAL position (a
    // standby's is what it has replayed).
    private const string SourceClockSql = """
        SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint,
               (extract(epoch FROM (pg_last_committed_xact()).timestamp) * 1000)::bigint,
               (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text
        """;

    // Who the source is; read once and again only when a watermark names another (it changes only with the database).
    // The timeline is the one WAL is written on now (a standby: its last checkpoint's), as IDENTIFY_SYSTEM reports it to the relay.
    private const string SourceIdentitySql = """
        SELECT system_identifier::text,
               CASE WHEN pg_is_in_recovery() THEN (SELECT timeline_id FROM pg_control_checkpoint())
                    ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END
        FROM pg_control_system()
        """;

    private readonly Lock _gate = new();
    private Task<Observation>? _pending;
    private Observation? _latest; // null: never read

    // The source's identity (cached) and WAL position last read, a lower bound of it from then on. One reference,
    // replaced whole: a read that timed out may still finish while the next one runs.
    private SourcePosition? _known;

    /// <summary>One look at both sides, taken at <see cref="ReadAt"/> (a <see cref="TimeProvider"/> timestamp).</summary>
    private sealed record Observation(
        IReadOnlyList<PartitionWatermark> Partitions, DateTimeOffset SourceNow, DateTimeOffset? LastSourceCommit, long ReadAt, string? Untrusted);

    /// <summary>
    /// The current freshness, for an answer's <c>asOf</c>/<c>lagMs</c>. With <paramref name="allowStale"/> (an
    /// <c>eventual</c> answer), an observation up to <see cref="AnalyticsOptions.WatermarkServeStaleMs"/> old is used
    /// at once while a new one is read in the background.
    /// </summary>
    public async Task<FreshnessSnapshot> GetAsync(CancellationToken cancellationToken, bool allowStale = false)
    {
        var seen = await ObserveAsync(cancellationToken, allowStale);
        if (seen.Untrusted is { } why)
        {
            return new FreshnessSnapshot(default, null, null, false, seen.Partitions, why);
        }

        var (watermark, asOf) = FreshnessSnapshot.Combine(seen.Partitions);
        // The source's clock as of now: the shared observation may be up to WatermarkMaxAgeMs old (WatermarkServeStaleMs if stale is allowed).
        var age = time.GetElapsedTime(seen.ReadAt);
        var sourceNow = seen.SourceNow + age;
        var stale = age.TotalMilliseconds >= options.Value.WatermarkMaxAgeMs ? age : TimeSpan.Zero;
        var (lag, caughtUp) = FreshnessSnapshot.Lag(asOf, sourceNow, seen.LastSourceCommit, stale);
        return new FreshnessSnapshot(watermark, asOf, lag, caughtUp, seen.Partitions);
    }

    /// <summary>Waits until every write up to <paramref name="token"/> is visible in ClickHouse; false after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForAsync(ConsistencyToken token, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = time.GetTimestamp() + (long)(timeout.TotalSeconds * time.TimestampFrequency);
        var period = TimeSpan.FromMilliseconds(options.Value.TokenPollMs);
        var seen = await ObserveAsync(cancellationToken);
        while (true)
        {
            if (seen.Untrusted is null && FreshnessSnapshot.Combine(seen.Partitions).Watermark >= token)
            {
                return true;
            }

            var left = time.GetElapsedTime(time.GetTimestamp(), deadline);
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            await Task.Delay(left < period ? left : period, time, cancellationToken);
            seen = await ObserveAsync(cancellationToken, newerThan: seen.ReadAt);
        }
    }

    /// <summary>
    /// Watermarks and the source's clock, read at most once per <see cref="AnalyticsOptions.WatermarkMaxAgeMs"/> for
    /// everyone: under load, analytics answers cost the OLTP database one tiny query per period, not one each. A
    /// waiter asks for one read after the one it has seen (<paramref name="newerThan"/>): the latest if it is, else
    /// the read in flight (started after the waiter's had ended: one runs at a time) or a new one.
    /// </summary>
    private Task<Observation> ObserveAsync(CancellationToken cancellationToken, bool allowStale = false, long? newerThan = null)
    {
        lock (_gate)
        {
            var age = _latest is { } seen ? time.GetElapsedTime(seen.ReadAt).TotalMilliseconds : double.MaxValue;
            if (age < options.Value.WatermarkMaxAgeMs && (newerThan is null || _latest!.ReadAt > newerThan))
            {
                return Task.FromResult(_latest!);
            }

            // One read in flight at a time, started off this lock, and not cancelled by the caller that started it.
            if (_pending is null)
            {
                _pending = Task.Run(ReadAsync, CancellationToken.None);
                _ = _pending.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }

            return allowStale && age < options.Value.WatermarkServeStaleMs ? Task.FromResult(_latest!) : _pending.WaitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// The shared read, bounded by <see cref="AnalyticsOptions.FreshnessReadTimeoutMs"/>: a store that does not answer
    /// fails every caller waiting on this read with a <see cref="TimeoutException"/> (the next caller starts a new read)
    /// instead of holding them all for ever.
    /// </summary>
    private async Task<Observation> ReadAsync()
    {
        var limit = TimeSpan.FromMilliseconds(options.Value.FreshnessReadTimeoutMs);
        using var timeout = new CancellationTokenSource(limit, time);
        var reading = ReadBothAsync(time.GetTimestamp(), timeout.Token);
        try
        {
            // Bounded even if a driver does not honour the cancellation (Npgsql's connection handshake does not).
            var observation = await reading.WaitAsync(limit, time, CancellationToken.None);
            lock (_gate)
            {
                _latest = observation;
            }

            return observation;
        }
        catch (Exception ex) when (ex is TimeoutException || timeout.IsCancellationRequested)
        {
            _ = reading.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            LogReadTimedOut(logger, limit.TotalMilliseconds);
            throw new TimeoutException($"Reading freshness took longer than {limit.TotalMilliseconds:F0} ms: ClickHouse's sync_state or PostgreSQL's clock did not answer.", ex);
        }
        finally
        {
            lock (_gate)
            {
                _pending = null;
            }
        }
    }

    /// <summary>
    /// The watermarks first, then the source: its WAL position, read after them, is at or past every LSN they can
    /// honestly hold (the relay publishes only what PostgreSQL has written), so "ahead" is never a race.
    /// </summary>
    private async Task<Observation> ReadBothAsync(long startedAt, CancellationToken cancellationToken)
    {
        var partitions = await ReadPartitionsAsync(cancellationToken);
        var (sourceNow, lastCommit, position) = await SourceAsync(partitions, cancellationToken);
        var untrusted = SourcePosition.Distrust(partitions, position);
        if (untrusted is not null && !string.Equals(untrusted, _latest?.Untrusted, StringComparison.Ordinal))
        {
            LogUntrusted(logger, untrusted);
        }

        return new Observation(partitions, sourceNow, lastCommit, startedAt, untrusted);
    }

    private async Task<IReadOnlyList<PartitionWatermark>> ReadPartitionsAsync(CancellationToken cancellationToken)
    {
        try
        {
            var parameters = new ClickHouseParameterCollection();
            parameters.AddParameter("topic", Topics.OrderEvents);
            using var reader = await clickHouse.ExecuteReaderAsync(WatermarkSql, parameters, cancellationToken: cancellationToken);
            var partitions = new List<PartitionWatermark>();
            while (reader.Read())
            {
                partitions.Add(new PartitionWatermark(
                    Convert.ToInt32(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture),
                    new ConsistencyToken(reader.GetUInt64(1)),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
                    Convert.ToUInt64(reader.GetValue(3), System.Globalization.CultureInfo.InvariantCulture),
                    Convert.ToUInt32(reader.GetValue(4), System.Globalization.CultureInfo.InvariantCulture)));
            }

            return partitions;
        }
        catch (ClickHouseServerException ex) when (ex.ErrorCode is UnknownTable or UnknownIdentifier)
        {
            return []; // the worker has not created (or migrated) its schema yet: nothing is synchronised
        }
    }

    /// <summary>
    /// PostgreSQL's clock, last commit and position. Its identity is read once, and again when a watermark names
    /// another source (has the database been replaced since?). Unreachable: this host's clock, and the last position
    /// read, which the source has certainly reached (a watermark past it cannot be checked, so it is not trusted).
    /// </summary>
    private async Task<(DateTimeOffset Now, DateTimeOffset? LastCommit, SourcePosition? Position)> SourceAsync(
        IReadOnlyList<PartitionWatermark> partitions, CancellationToken cancellationToken)
    {
        try
        {
            var known = _known;
            var identity = known is null ? default : (known.SystemId, known.Timeline);
            if (known is null || partitions.Any(p => p.Watermark != default && (p.SourceSystemId, p.SourceTimeline) != identity))
            {
                await using var who = source.CreateCommand(SourceIdentitySql);
                await using var row = await who.ExecuteReaderAsync(cancellationToken);
                await row.ReadAsync(cancellationToken);
                identity = (ulong.Parse(row.GetString(0), System.Globalization.CultureInfo.InvariantCulture), (uint)row.GetInt32(1));
            }

            await using var command = source.CreateCommand(SourceClockSql);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            _known = ConsistencyToken.TryParse(reader.GetString(2), out var lsn)
                ? new SourcePosition(identity.SystemId, identity.Timeline, lsn)
                : throw new InvalidOperationException($"PostgreSQL returned '{reader.GetString(2)}' as its WAL position.");
            return (DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)),
                reader.IsDBNull(1) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
                _known);
        }
        catch (Exception ex) when ((ex is NpgsqlException or InvalidOperationException) && !cancellationToken.IsCancellationRequested)
        {
            // The source is down: freshness is still reported, from this host's clock, without "caught up".
            LogSourceClockUnavailable(logger, ex.Message);
            return (time.GetUtcNow(), null, _known);
        }
    }

    private const int UnknownTable = 60;
    private const int UnknownIdentifier = 47;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading freshness took longer than {TimeoutMs} ms; the reads waiting on it fail (503, or the PostgreSQL fallback)")]
    private static partial void LogReadTimedOut(ILogger logger, double timeoutMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The analytics watermark is not trusted: {Reason}. Nothing counts as visible in ClickHouse; reads that need freshness go to PostgreSQL")]
    private static partial void LogUntrusted(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "PostgreSQL's clock and last commit are unavailable ({Reason}); lag is measured with this host's clock")]
    private static partial void LogSourceClockUnavailable(ILogger logger, string reason);
}
