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
/// </summary>
public sealed partial class ReadRouter(
    ClickHouseAnalyticsStore olap,
    PostgresAnalyticsStore oltp,
    FreshnessMonitor freshness,
    IOptions<AnalyticsOptions> options,
    TimeProvider time,
    ILogger<ReadRouter> logger)
{
    public async Task<AnalyticsAnswer<T>> ReadAsync<T>(
        ReadConsistency consistency, Func<IAnalyticsStore, CancellationToken, Task<T>> query, CancellationToken cancellationToken)
    {
        if (await ClickHouseSuffices(consistency, cancellationToken))
        {
            // Freshness is read before the query: the answer holds at least what it says.
            var snapshot = await freshness.GetAsync(cancellationToken);
            var data = await query(olap, cancellationToken);
            return new AnalyticsAnswer<T>(data, snapshot.AsOf, snapshot.LagMs, olap.Source, consistency.Name);
        }

        // PostgreSQL is the source: its answer is as of the moment it runs, with no lag.
        var asOf = time.GetUtcNow();
        var fallback = await query(oltp, cancellationToken);
        return new AnalyticsAnswer<T>(fallback, asOf, 0, oltp.Source, consistency.Name);
    }

    private async Task<bool> ClickHouseSuffices(ReadConsistency consistency, CancellationToken cancellationToken)
    {
        switch (consistency.Level)
        {
            case ConsistencyLevel.Session:
                var token = consistency.Token ?? throw new ArgumentException("A session read needs a token.", nameof(consistency));
                try
                {
                    if (await freshness.WaitForAsync(token, TimeSpan.FromMilliseconds(options.Value.SessionWaitMs), cancellationToken))
                    {
                        return true;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or ClickHouse.Driver.ClickHouseServerException)
                {
                    LogClickHouseUnavailable(logger, ex.Message);
                }

                LogSessionToSource(logger, token);
                return false;

            case ConsistencyLevel.Bounded:
                var bound = consistency.MaxStalenessMs ?? throw new ArgumentException("A bounded read needs maxStalenessMs.", nameof(consistency));
                try
                {
                    var current = await freshness.GetAsync(cancellationToken);
                    if (current.LagMs is { } lag && lag <= bound)
                    {
                        return true;
                    }

                    LogBoundedToSource(logger, current.LagMs, bound);
                }
                catch (Exception ex) when (ex is HttpRequestException or ClickHouse.Driver.ClickHouseServerException)
                {
                    LogClickHouseUnavailable(logger, ex.Message);
                }

                return false;

            default:
                return true;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "A session read goes to PostgreSQL: ClickHouse did not reach token {Token} in time")]
    private static partial void LogSessionToSource(ILogger logger, ConsistencyToken token);

    [LoggerMessage(Level = LogLevel.Information, Message = "A bounded read goes to PostgreSQL: ClickHouse lag {LagMs} ms exceeds {BoundMs} ms")]
    private static partial void LogBoundedToSource(ILogger logger, long? lagMs, long boundMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ClickHouse cannot tell its freshness ({Reason}); the read goes to PostgreSQL")]
    private static partial void LogClickHouseUnavailable(ILogger logger, string reason);
}
