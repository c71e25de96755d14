using System.Net;
using ClickHouse.Driver;
using Confluent.Kafka;

namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>
/// Tells failures that go away by themselves (ClickHouse or Kafka down, a timeout, a restart) from those that need an
/// operator: ClickHouse refusing who we are, what we may do, or the shape of what we write. Both are retried — the
/// worker never drops data, and a fixed grant, password or schema lets it resume without a restart — but a permanent
/// one makes <c>/health</c> Unhealthy at once instead of Degraded for ever.
/// </summary>
internal static class FailureClassifier
{
    /// <summary>Why <paramref name="exception"/> will not go away by retrying (authentication, privileges, schema), or null.</summary>
    public static string? PermanentReason(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case ClickHouseServerException clickHouse when Reason(clickHouse.ErrorCode) is { } reason:
                    return $"{reason} (ClickHouse error {clickHouse.ErrorCode})";
                case HttpRequestException { StatusCode: HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden } http:
                    return $"authentication (HTTP {(int)http.StatusCode!})";
                case KafkaException { Error.Code: ErrorCode.TopicAuthorizationFailed or ErrorCode.ClusterAuthorizationFailed } kafka:
                    return $"privileges (Kafka {kafka.Error.Code})";
            }
        }

        return null;
    }

    // ClickHouse's own codes (src/Common/ErrorCodes.cpp).
    private static string? Reason(int code) => code switch
    {
        192 or 193 or 194 or 516 => "authentication",  // UNKNOWN_USER, WRONG_PASSWORD, REQUIRED_PASSWORD, AUTHENTICATION_FAILED
        164 or 497 => "privileges",                     // READONLY, ACCESS_DENIED
        16 or 20 or 47 or 53 or 60 or 81 => "schema",   // NO_SUCH_COLUMN_IN_TABLE, NUMBER_OF_COLUMNS_DOESNT_MATCH, UNKNOWN_IDENTIFIER, TYPE_MISMATCH, UNKNOWN_TABLE, UNKNOWN_DATABASE
        _ => null,
    };
}
