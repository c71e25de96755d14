using Microsoft.AspNetCore.Diagnostics;
using Npgsql;
using PolyglotAspire.Analytics.Freshness;

namespace PolyglotAspire.Analytics;

/// <summary>
/// A store that is down or refuses a query is not the client's fault and not a bug either: 503 with problem
/// details (retry later), never a 500 with a stack trace.
/// </summary>
internal sealed partial class StoreUnavailableHandler(IProblemDetailsService problemDetails, ILogger<StoreUnavailableHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is ReadRejectedException rejected)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(rejected.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return await problemDetails.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                Exception = exception,
                ProblemDetails = { Status = StatusCodes.Status503ServiceUnavailable, Title = rejected.Title, Detail = rejected.Message },
            });
        }

        if (exception is PostgresException { SqlState: PostgresErrorCodes.QueryCanceled })
        {
            // The fallback's statement_timeout cut the question off: it is too heavy for the order database.
            LogStoreUnavailable(logger, "statement_timeout", exception.Message);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "5";
            return await problemDetails.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                Exception = exception,
                ProblemDetails =
                {
                    Status = StatusCodes.Status503ServiceUnavailable,
                    Title = "PostgreSQL fallback timed out",
                    Detail = "The question took longer than the fallback's statement timeout on the order database. Narrow the range, " +
                             "or ask with consistency=eventual (answered from ClickHouse, with asOf and lagMs).",
                },
            });
        }

        if (exception is not (HttpRequestException or ClickHouse.Driver.ClickHouseServerException or NpgsqlException or TimeoutException))
        {
            return false;
        }

        LogStoreUnavailable(logger, exception.GetType().Name, exception.Message);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "1";
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "A data store is unavailable",
                Detail = "The analytics store or its source did not answer; try again shortly.",
            },
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A store is unavailable: {Kind}: {Reason}")]
    private static partial void LogStoreUnavailable(ILogger logger, string kind, string reason);
}
