namespace PolyglotAspire.Analytics.Queries;

/// <summary>Orders in one status and one currency, and the sum of their totals.</summary>
public sealed record StatusRow(string Status, string Currency, long Orders, decimal Total);
