namespace PolyglotAspire.OrdersApi.Consistency;

/// <summary>The response headers of consistency: every write's token, and what a strong write's wait achieved.</summary>
public static class ConsistencyHeaders
{
    /// <summary>Every committed write answers with its consistency token here (and in the body); the strong-write filter reads it back.</summary>
    public const string Token = "X-Consistency-Token";

    public const string PreferenceApplied = "Preference-Applied";
    public const string AnalyticsVisible = "X-Analytics-Visible";
}
