namespace PolyglotAspire.Analytics.Queries;

/// <summary>Orders and revenue of one bucket in one currency.</summary>
public sealed record RevenueRow(string Key, string Currency, long Orders, decimal Revenue);
