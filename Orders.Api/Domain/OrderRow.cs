namespace PolyglotAspire.OrdersApi.Domain;

/// <summary>An order row as it is after a change: what every event carries (the sink never reads PostgreSQL).</summary>
public sealed record OrderRow(
    Guid Id,
    string CustomerId,
    string Region,
    string Currency,
    OrderStatus Status,
    decimal Total,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    int Version,
    int LineCount);
