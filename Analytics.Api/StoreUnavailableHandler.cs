using Microsoft.AspNetCore.Diagnostics;
using Npgsql;
using PolyglotAspire.Analytics.Freshness;

namespace PolyglotAspire.Analytics;

/// <summary>
/// A store that is down or refuses a query is not the client's fault and not a bug either: 503 with problem
/// details and <c>Retry-After</c>, never a 500 with a stack trace. So is a read refused to protect a store
/// (<see cref="ReadRejectedException"/>: the PostgreSQL fallback or the long-poll waits at capacity) and a fallback
/// question cut off by its statement timeout.
/// </summary>
internal sealed partial class StoreUnavailableHandler(IProblemDetailsService problemDetails, ILogger<StoreUnavailableHandler> logger) : IExceptionHandler
{
    public ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        switch (exception)
        {
            case ReadRejectedException rejected:
                return ServiceUnavailableAsync(context, exception, rejected.Title, rejected.Message, rejected.RetryAfter);

            case PostgresException { SqlState: PostgresErrorCodes.QueryCanceled }:
                // The fallback's statement_timeout cut the question off: it is too heavy for the order database.
                LogStoreUnavailable(logger, "statement_timeout", exception.Message);
                return ServiceUnavailableAsync(context, exception, "PostgreSQL fallback timed out",
                    "The question took longer than the fallback's statement timeout on the order database. Narrow the range, " +
                    "or ask with consistency=eventual (answered from ClickHouse, with asOf and lagMs).", TimeSpan.FromSeconds(5));

            case HttpRequestException or ClickHouse.Driver.ClickHouseServerException or NpgsqlException or TimeoutException:
                LogStoreUnavailable(logger, exception.GetType().Name, exception.Message);
                return ServiceUnavailableAsync(context, exception, "A data store is unavailable",
                    "The analytics store or its source did not answer; try again shortly.", TimeSpan.FromSeconds(1));

            default:
                return ValueTask.FromResult(false);
        }
    }

    private async ValueTask<bool> ServiceUnavailableAsync(HttpContext context, Exception exception, string title, string detail, TimeSpan retryAfter)
    {
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = StatusCodes.Status503ServiceUnavailable, Title = title, Detail = detail },
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A store is unavailable: {Kind}: {Reason}")]
    private static partial void LogStoreUnavailable(ILogger logger, string kind, string reason);
}
