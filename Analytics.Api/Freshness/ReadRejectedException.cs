namespace PolyglotAspire.Analytics.Freshness;

/// <summary>
/// A read refused to protect a store (issue 13 item 10): the PostgreSQL fallback or the long-poll waits are saturated.
/// Answered 503 with <c>Retry-After</c> and a problem that says what to do instead.
/// </summary>
public sealed class ReadRejectedException(string title, string detail, TimeSpan retryAfter) : Exception(detail)
{
    public string Title { get; } = title;

    public TimeSpan RetryAfter { get; } = retryAfter;
}
