namespace PolyglotAspire.Analytics.Queries;

/// <summary>A half-open UTC time range on created_at.</summary>
public readonly record struct TimeRange(DateTime From, DateTime To)
{
    public static readonly TimeRange All = new(AnalyticsDefinitions.MinTime, AnalyticsDefinitions.MaxTime);
}
