using Microsoft.Extensions.Options;
using PolyglotAspire.Analytics.Queries;
using PolyglotAspire.Contracts;

namespace PolyglotAspire.Analytics.Freshness;

/// <summary>A consistency requirement, validated: the level and what it needs (a token or a staleness bound).</summary>
public sealed record ReadConsistency(ConsistencyLevel Level, ConsistencyToken? Token = null, long? MaxStalenessMs = null)
{
    public static readonly ReadConsistency Eventual = new(ConsistencyLevel.Eventual);

    public string Name => Level.ToString().ToLowerInvariant();
}

/// <summary>An answer and how fresh it is: <c>asOf</c>, <c>lagMs</c>, which store answered and at what consistency.</summary>
public sealed record AnalyticsAnswer<T>(T Data, DateTimeOffset? AsOf, long? LagMs, string Source, string Consistency);

/// <summary>
/// The routing strategy: picks ClickHouse or PostgreSQL for each read from its consistency requirement and
/// ClickHouse's freshness, runs the query there and labels the answer with where it came from and how fresh it is.
/// Every wait is bounded: a session read's wait for its token (<see cref="AnalyticsOptions.SessionWaitMs"/>, and at
/// most <see cref="AnalyticsOptions.MaxConcurrentWaits"/> at once), the freshness read, and the PostgreSQL fallback,
/// which goes through <see cref="FallbackAdmission"/> (a cap on concurrent queries on the OLTP primary) and is
/// counted by reason (<see cref="RoutingMetrics"/>).
/// </summary>
public sealed partial class ReadRouter(
    ClickHouseAnalyticsStore olap,
    PostgresAnalyticsStore oltp,
    FreshnessMonitor freshness,
    FallbackAdmission admission,
    IOptions<AnalyticsOptions> options,
    TimeProvider time,
    ILogger<ReadRouter> logger)
{
    public async Task<AnalyticsAnswer<T>> ReadAsync<T>(
        ReadConsistency consistency, Func<IAnalyticsStore, CancellationToken, Task<T>> query, CancellationToken cancellationToken)
    {
        var fallbackReason = await WhyNotClickHouseAsync(consistency, cancellationToken);
        if (fallbackReason is null)
        {
            // Freshness is read before the query: the answer holds at least what it says. An eventual answer may
            // carry a somewhat older observation rather than wait for a new one (it only understates its freshness).
            var snapshot = await freshness.GetAsync(cancellationToken, allowStale: consistency.Level == ConsistencyLevel.Eventual);
            var data = await query(olap, cancellationToken);
            return new AnalyticsAnswer<T>(data, snapshot.AsOf, snapshot.LagMs, olap.Source, consistency.Name);
        }

        // PostgreSQL is the source: its answer is as of the moment it runs, with no lag — if the fallback admits it.
        using var admitted = await admission.EnterFallbackAsync(fallbackReason, cancellationToken);
        var asOf = time.GetUtcNow();
        var fallback = await query(oltp, cancellationToken);
        return new AnalyticsAnswer<T>(fallback, asOf, 0, oltp.Source, consistency.Name);
    }

    /// <summary>Null when ClickHouse can answer; otherwise why the read goes to PostgreSQL (the metric's reason).</summary>
    private async Task<string?> WhyNotClickHouseAsync(ReadConsistency consistency, CancellationToken cancellationToken)
    {
        switch (consistency.Level)
        {
            case ConsistencyLevel.Session:
                var token = consistency.Token ?? throw new ArgumentException("A session read needs a token.", nameof(consistency));
                try
                {
                    using var wait = admission.TryEnterWait("session");
                    var budget = wait is null ? TimeSpan.Zero : TimeSpan.FromMilliseconds(options.Value.SessionWaitMs);
                    if (await freshness.WaitForAsync(token, budget, cancellationToken))
                    {
                        return null;
                    }

                    LogSessionToSource(logger, token, wait is null);
                    return wait is null ? "session_wait_refused" : "session_wait_expired";
                }
                catch (Exception ex) when (ex is HttpRequestException or ClickHouse.Driver.ClickHouseServerException or TimeoutException)
                {
                    LogClickHouseUnavailable(logger, ex.Message);
                    return "freshness_unavailable";
                }

            case ConsistencyLevel.Bounded:
                var bound = consistency.MaxStalenessMs ?? throw new ArgumentException("A bounded read needs maxStalenessMs.", nameof(consistency));
                try
                {
                    var current = await freshness.GetAsync(cancellationToken);
                    if (current.LagMs is { } lag && lag <= bound)
                    {
                        return null;
                    }

                    LogBoundedToSource(logger, current.LagMs, bound);
                    return "bounded_lag_exceeded";
                }
                catch (Exception ex) when (ex is HttpRequestException or ClickHouse.Driver.ClickHouseServerException or TimeoutException)
                {
                    LogClickHouseUnavailable(logger, ex.Message);
                    return "freshness_unavailable";
                }

            default:
                return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "A session read goes to PostgreSQL: ClickHouse did not reach token {Token} in time (wait refused: {WaitRefused})")]
    private static partial void LogSessionToSource(ILogger logger, ConsistencyToken token, bool waitRefused);

    [LoggerMessage(Level = LogLevel.Information, Message = "A bounded read goes to PostgreSQL: ClickHouse lag {LagMs} ms exceeds {BoundMs} ms")]
    private static partial void LogBoundedToSource(ILogger logger, long? lagMs, long boundMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ClickHouse cannot tell its freshness ({Reason}); the read goes to PostgreSQL")]
    private static partial void LogClickHouseUnavailable(ILogger logger, string reason);
}
