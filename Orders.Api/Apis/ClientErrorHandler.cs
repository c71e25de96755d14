using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using PolyglotAspire.OrdersApi.Data;

namespace PolyglotAspire.OrdersApi.Apis;

/// <summary>
/// Turns what a client can get wrong before a handler runs (binding: JSON syntax, unknown or duplicate fields, wrong
/// types, wrong content type, oversized body, bad query values) into 4xx problem details with a clear message,
/// database unavailability before anything was sent into 503 with <c>Retry-After</c> ("nothing was written"), and a
/// connection lost after <c>COMMIT</c> was sent into 503 "outcome unknown" that says how to find out. Handled exceptions are not logged as errors (.NET 10
/// suppresses diagnostics for exceptions an <see cref="IExceptionHandler"/> handles). Anything else stays a 500.
/// </summary>
internal sealed partial class ClientErrorHandler(IProblemDetailsService problemDetails, ILogger<ClientErrorHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is CommitOutcomeUnknownException unknownOutcome)
        {
            LogOutcomeUnknown(logger, unknownOutcome.InnerException, unknownOutcome.OrderId);
        }

        var problem = exception switch
        {
            BadHttpRequestException bad => FromBadRequest(bad),
            IdempotencyKeyRaceException race => new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = "Concurrent request",
                Detail = race.Message,
            },
            CommitOutcomeUnknownException unknown => OutcomeUnknown(httpContext.Request, unknown),
            NpgsqlException { IsTransient: true } or TimeoutException when IsDatabase(exception) => new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Database unavailable",
                Detail = "The order database is unavailable or overloaded; nothing was written. Retry shortly.",
            },
            _ => null,
        };

        if (problem is null || httpContext.Response.HasStarted)
        {
            return false;
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        if (problem.Status == StatusCodes.Status503ServiceUnavailable && exception is not CommitOutcomeUnknownException)
        {
            httpContext.Response.Headers.RetryAfter = "1";
        }

        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    /// <summary>
    /// Details for the problems ASP.NET Core writes itself (status code pages: 404, 405, and 413/415 raised while
    /// binding the body), so that every 4xx says what to do.
    /// </summary>
    internal static void AddDetail(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        problem.Extensions.TryAdd("traceId", context.HttpContext.TraceIdentifier);
        problem.Detail ??= problem.Status switch
        {
            StatusCodes.Status404NotFound => "There is no such resource.",
            StatusCodes.Status405MethodNotAllowed => "This resource does not support the method " + context.HttpContext.Request.Method + ".",
            StatusCodes.Status413PayloadTooLarge => "The request body exceeds the size this endpoint accepts.",
            StatusCodes.Status415UnsupportedMediaType => "Send the body as JSON with 'Content-Type: application/json'.",
            _ => null,
        };
    }

    /// <summary>
    /// A write whose COMMIT was sent but never answered: it may exist. No <c>Retry-After</c>: a blind retry of a create
    /// without an idempotency key could create the order twice. The answer names the order and how to check.
    /// </summary>
    private static ProblemDetails OutcomeUnknown(HttpRequest request, CommitOutcomeUnknownException unknown)
    {
        var id = unknown.OrderId;
        string detail;
        if (HttpMethods.IsPost(request.Method) && !request.Path.StartsWithSegments($"/api/orders/{id}", StringComparison.OrdinalIgnoreCase))
        {
            detail = $"Order {id} may or may not have been created: the database connection failed after COMMIT was sent. " +
                     $"GET /api/orders/{id} tells (404: it was not created). " +
                     (request.Headers.ContainsKey(OrdersApi.IdempotencyKeyHeader)
                         ? $"Retrying with the same {OrdersApi.IdempotencyKeyHeader} is safe: it returns the first answer if the order was created."
                         : $"Do not retry blindly; an {OrdersApi.IdempotencyKeyHeader} makes retries safe.");
        }
        else
        {
            detail = $"The change to order {id} may or may not have been committed: the database connection failed after COMMIT was sent. " +
                     $"GET /api/orders/{id} shows its current status and version.";
        }

        var problem = new ProblemDetails { Status = StatusCodes.Status503ServiceUnavailable, Title = "Outcome unknown", Detail = detail };
        problem.Extensions["outcome"] = "unknown";
        problem.Extensions["orderId"] = id;
        return problem;
    }

    private static bool IsDatabase(Exception exception) =>
        exception is NpgsqlException || exception.Source?.StartsWith("Npgsql", StringComparison.Ordinal) == true;

    private static ProblemDetails FromBadRequest(BadHttpRequestException exception)
    {
        var status = exception.StatusCode;
        var (title, detail) = status switch
        {
            StatusCodes.Status413PayloadTooLarge => ("Request body too large", "The request body exceeds the size this endpoint accepts."),
            StatusCodes.Status415UnsupportedMediaType => ("Unsupported media type", "Send the body as JSON with 'Content-Type: application/json'."),
            _ when exception.InnerException is JsonException json => ("Invalid JSON", Describe(json)),
            _ when exception.Message.StartsWith("Failed to bind parameter", StringComparison.Ordinal) =>
                ("Invalid parameter", BindingDetail(exception.Message)),
            _ when exception.Message.StartsWith("Required parameter", StringComparison.Ordinal)
                   || exception.Message.StartsWith("Implicit body inferred", StringComparison.Ordinal) =>
                ("Missing body", "The request needs a JSON body."),
            _ => ("Bad request", "The request could not be read."),
        };
        return new ProblemDetails { Status = status, Title = title, Detail = detail };
    }

    /// <summary>A message that says where and what, without .NET type names.</summary>
    internal static string Describe(JsonException exception)
    {
        var path = string.IsNullOrEmpty(exception.Path) ? "$" : exception.Path;
        var message = exception.Message;
        if (message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            return $"Unknown field at '{path}': only the documented fields are accepted.";
        }

        if (message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase))
        {
            return $"Duplicate field at '{path}'.";
        }

        if (message.Contains("could not be converted", StringComparison.Ordinal))
        {
            return $"The value at '{path}' has the wrong type or is out of range.";
        }

        if (message.Contains("maximum configured depth", StringComparison.Ordinal))
        {
            return "The JSON is nested too deeply.";
        }

        return exception.LineNumber is { } line && exception.BytePositionInLine is { } position
            ? $"The body is not valid JSON (line {line + 1}, byte {position + 1}, at '{path}')."
            : $"The body is not valid JSON (at '{path}').";
    }

    private static string BindingDetail(string message)
    {
        // "Failed to bind parameter \"int? limit\" from \"abc\"." → name the parameter only.
        var start = message.IndexOf('"', StringComparison.Ordinal);
        var end = start < 0 ? -1 : message.IndexOf('"', start + 1);
        if (start < 0 || end < 0)
        {
            return "A route or query parameter has an invalid value.";
        }

        var declaration = message[(start + 1)..end];
        var name = declaration[(declaration.LastIndexOf(' ') + 1)..];
        return $"The parameter '{name}' has an invalid value.";
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The outcome of a write to order {OrderId} is unknown: the connection failed after COMMIT was sent")]
    private static partial void LogOutcomeUnknown(ILogger logger, Exception? exception, Guid orderId);
}
