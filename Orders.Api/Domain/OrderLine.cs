namespace PolyglotAspire.OrdersApi.Domain;

/// <summary>One line of an order; the unit price has exactly two decimals (<see cref="Money.Normalize"/>).</summary>
public sealed record OrderLine(string Sku, int Quantity, decimal UnitPrice);
