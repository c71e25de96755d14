using System.Diagnostics.CodeAnalysis;

namespace PolyglotAspire.OrdersApi.Domain;

/// <summary>An order's lifecycle state. The wire and database form is the lowercase name (<c>new</c>, <c>paid</c>, …).</summary>
public enum OrderStatus
{
    New,
    Paid,
    Shipped,
    Delivered,
    Cancelled,
}

/// <summary>Status names and the allowed transitions (DESIGN.md): <c>new → paid → shipped → delivered</c>; <c>new | paid → cancelled</c>.</summary>
public static class OrderStatuses
{
    public const string New = "new";
    public const string Paid = "paid";
    public const string Shipped = "shipped";
    public const string Delivered = "delivered";
    public const string Cancelled = "cancelled";

    /// <summary>Every status name, in lifecycle order.</summary>
    public static IReadOnlyList<string> Names { get; } = [New, Paid, Shipped, Delivered, Cancelled];

    public static string ToName(this OrderStatus status) => status switch
    {
        OrderStatus.New => New,
        OrderStatus.Paid => Paid,
        OrderStatus.Shipped => Shipped,
        OrderStatus.Delivered => Delivered,
        OrderStatus.Cancelled => Cancelled,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    /// <summary>Parses a status name exactly (lowercase, no surrounding spaces).</summary>
    public static bool TryParse([NotNullWhen(true)] string? name, out OrderStatus status)
    {
        (var ok, status) = name switch
        {
            New => (true, OrderStatus.New),
            Paid => (true, OrderStatus.Paid),
            Shipped => (true, OrderStatus.Shipped),
            Delivered => (true, OrderStatus.Delivered),
            Cancelled => (true, OrderStatus.Cancelled),
            _ => (false, default),
        };
        return ok;
    }

    /// <summary>Whether an order in <paramref name="from"/> may move to <paramref name="to"/>. Staying in place is not a transition.</summary>
    public static bool CanTransition(OrderStatus from, OrderStatus to) => (from, to) switch
    {
        (OrderStatus.New, OrderStatus.Paid) => true,
        (OrderStatus.Paid, OrderStatus.Shipped) => true,
        (OrderStatus.Shipped, OrderStatus.Delivered) => true,
        (OrderStatus.New or OrderStatus.Paid, OrderStatus.Cancelled) => true,
        _ => false,
    };
}
