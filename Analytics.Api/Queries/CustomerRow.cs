namespace PolyglotAspire.Analytics.Queries;

/// <summary>A customer's orders and revenue in one currency.</summary>
public sealed record CustomerRow(string CustomerId, string Currency, long Orders, decimal Revenue);
