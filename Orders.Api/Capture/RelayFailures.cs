using Confluent.Kafka;
using Npgsql;

namespace PolyglotAspire.OrdersApi.Capture;

/// <summary>
/// Tells a relay failure that goes away by itself (PostgreSQL or Kafka restarting, a network blip) from one that needs
/// an operator: a refused login or privilege, a missing publication, a server not set up for logical decoding, a
/// message Kafka will refuse on every replay. The relay retries both (a fixed grant resumes it), but health reports
/// the second Unhealthy at once instead of Degraded.
/// </summary>
internal static class RelayFailures
{
    public static string? PermanentReason(Exception exception) => exception switch
    {
        PostgresException { SqlState: PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification } pg =>
            $"PostgreSQL refuses the login ({pg.SqlState})",
        PostgresException { SqlState: PostgresErrorCodes.InsufficientPrivilege } pg => $"PostgreSQL refuses a privilege ({pg.SqlState}: {pg.MessageText})",
        PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName or PostgresErrorCodes.UndefinedObject } pg =>
            $"something the relay needs does not exist ({pg.SqlState}: {pg.MessageText})",
        PostgresException { SqlState: PostgresErrorCodes.ObjectNotInPrerequisiteState } pg =>
            $"PostgreSQL is not set up for it ({pg.SqlState}: {pg.MessageText})",
        KafkaException { Error.IsFatal: true } kafka => $"Kafka reports a fatal error ({kafka.Error.Code})",
        KafkaException { Error.Code: ErrorCode.TopicAuthorizationFailed or ErrorCode.ClusterAuthorizationFailed } kafka =>
            $"Kafka refuses the relay ({kafka.Error.Code})",
        KafkaException { Error.Code: ErrorCode.MsgSizeTooLarge } kafka =>
            $"Kafka refuses a message as too large ({kafka.Error.Code}); every replay will be refused again",
        _ => null,
    };
}
