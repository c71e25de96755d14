using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace PolyglotAspire.Analytics;

/// <summary>
/// A store that is down or refuses a query is not the client's fault and not a bug either: 503 with problem
/// details (retry later), never a 500 with a stack trace.
/// </summary>
internal sealed partial class StoreUnavailableHandler(IProblemDetailsService problemDetails, ILogger<StoreUnavailableHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
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
