namespace PolyglotAspire.Analytics.Queries;

/// <summary>Orders in one status and the sum of their totals, within one currency's summary.</summary>
public sealed record StatusTotal(string Status, long Orders, decimal Total);
