using System.Text.Json.Serialization;
using PolyglotAspire.OrdersApi.Domain;

namespace PolyglotAspire.OrdersApi.Apis;

// Request bodies: every property is nullable so that a missing field is a validation error with a clear message
// (not a serializer exception); unknown fields are rejected by the serializer options (UnmappedMemberHandling).

/// <summary>Body of <c>POST /api/orders</c>. The server computes the total.</summary>
/// <param name="CustomerId">Who orders: 1–64 printable characters.</param>
/// <param name="Region">Sales region: 1–32 of <c>A–Z a–z 0–9 - _</c>.</param>
/// <param name="Currency">ISO 4217 code, e.g. <c>EUR</c>.</param>
/// <param name="Lines">1–100 lines.</param>
public sealed record CreateOrderRequest(string? CustomerId, string? Region, string? Currency, IReadOnlyList<OrderLineRequest?>? Lines);

/// <param name="Sku">Article: 1–64 printable characters.</param>
/// <param name="Quantity">1–10,000.</param>
/// <param name="UnitPrice">0 to 1,000,000,000 with at most 2 decimals.</param>
public sealed record OrderLineRequest(string? Sku, int? Quantity, decimal? UnitPrice);

/// <summary>Body of <c>POST /api/orders/{id}/status</c>.</summary>
/// <param name="Status">The new status: <c>paid</c>, <c>shipped</c>, <c>delivered</c> or <c>cancelled</c>.</param>
public sealed record ChangeStatusRequest(string? Status);

/// <summary>An order with its lines, as created or read.</summary>
public sealed record OrderResponse(
    Guid Id,
    string CustomerId,
    string Region,
    string Currency,
    string Status,
    decimal Total,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    int Version,
    IReadOnlyList<OrderLine> Lines)
{
    /// <summary>Present on writes: a read that presents it reflects this write and every write committed before it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ConsistencyToken { get; init; }

    public static OrderResponse From(OrderRow row, IReadOnlyList<OrderLine> lines) =>
        new(row.Id, row.CustomerId, row.Region, row.Currency, row.Status.ToName(), row.Total, row.CreatedAt, row.UpdatedAt, row.Version, lines);
}

/// <summary>An order without its lines (lists, status changes).</summary>
public sealed record OrderSummary(
    Guid Id,
    string CustomerId,
    string Region,
    string Currency,
    string Status,
    decimal Total,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    int Version,
    int LineCount)
{
    /// <summary>Present on writes: a read that presents it reflects this write and every write committed before it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ConsistencyToken { get; init; }

    public static OrderSummary From(OrderRow row) =>
        new(row.Id, row.CustomerId, row.Region, row.Currency, row.Status.ToName(), row.Total, row.CreatedAt, row.UpdatedAt, row.Version, row.LineCount);
}

/// <summary>One page of orders, newest first. <see cref="Next"/> is the cursor of the following page (<c>after=</c>), null on the last page.</summary>
public sealed record OrderPage(IReadOnlyList<OrderSummary> Items, string? Next);

/// <summary>The answer to a delete: the order's final version (the deletion) and the write's consistency token.</summary>
public sealed record DeletedOrderResponse(Guid Id, int Version, string ConsistencyToken);
