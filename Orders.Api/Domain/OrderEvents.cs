using System.Diagnostics;
using PolyglotAspire.Contracts;

namespace PolyglotAspire.OrdersApi.Domain;

/// <summary>
/// Builds the outbox envelopes (contracts §1). The writer leaves <see cref="OrderEvent.CommitLsn"/> and
/// <see cref="OrderEvent.CommitTimeMs"/> at 0: only the capture relay knows them, from the WAL.
/// </summary>
public static class OrderEvents
{
    public static OrderEvent Created(OrderRow row, Guid eventId, string? traceParent) => Build(OrderEventType.Created, row, eventId, traceParent);

    public static OrderEvent StatusChanged(OrderRow row, Guid eventId, string? traceParent) => Build(OrderEventType.StatusChanged, row, eventId, traceParent);

    /// <summary>A delete is a new version of the last row (so <c>is_deleted = 1</c> wins by version in ClickHouse).</summary>
    public static OrderEvent Deleted(OrderRow lastRow, Guid eventId, string? traceParent) =>
        Build(OrderEventType.Deleted, lastRow with { Version = lastRow.Version + 1 }, eventId, traceParent);

    /// <summary>The W3C traceparent of the current activity, if it is one (the trace the relay continues).</summary>
    public static string? CurrentTraceParent() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity ? activity.Id : null;

    private static OrderEvent Build(OrderEventType type, OrderRow row, Guid eventId, string? traceParent) => new()
    {
        EventId = eventId,
        EventType = type,
        OrderId = row.Id,
        OrderVersion = row.Version,
        CommitLsn = 0,
        CommitTimeMs = 0,
        CustomerId = row.CustomerId,
        Region = row.Region,
        Currency = row.Currency,
        Status = row.Status.ToName(),
        TotalCents = Money.ToCents(row.Total),
        CreatedAtMs = row.CreatedAt.ToUnixTimeMilliseconds(),
        LineCount = row.LineCount,
        TraceParent = traceParent,
    };
}
