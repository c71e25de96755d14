namespace PolyglotAspire.OrdersApi.Domain;

/// <summary>An order to create, valid: normalized amounts and the total computed from its lines.</summary>
public sealed record NewOrder(string CustomerId, string Region, string Currency, IReadOnlyList<OrderLine> Lines, decimal Total);
