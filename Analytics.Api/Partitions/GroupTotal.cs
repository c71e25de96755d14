namespace PolyglotAspire.Analytics.Partitions;

/// <summary>One group of an aggregate: its key (a region, a status, a day…), its currency, how many orders, and an amount in that currency.</summary>
public readonly record struct GroupTotal(string Key, string Currency, long Orders, decimal Amount);
