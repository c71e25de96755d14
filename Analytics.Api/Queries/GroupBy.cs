namespace PolyglotAspire.Analytics.Queries;

/// <summary>How revenue rows are bucketed. Keys: region name, status, <c>yyyy-MM-dd</c> (day), <c>yyyy-MM</c> (month).</summary>
public enum GroupBy
{
    Region,
    Status,
    Day,
    Month,
}
