using System.Globalization;
using System.Text.Json.Serialization;
using PolyglotAspire.Contracts;

namespace PolyglotAspire.OrdersApi.Consistency;

/// <summary>
/// Asks Analytics.Api whether a write (by its consistency token) is visible in analytics, waiting up to a budget.
/// Analytics.Api owns the answer — it knows what its store has applied — so this never reads ClickHouse itself.
/// </summary>
public sealed partial class AnalyticsVisibilityClient(HttpClient http, ILogger<AnalyticsVisibilityClient> logger)
{
    /// <summary>
    /// True once visible, false when the budget ran out first, null when analytics could not be asked or answered
    /// anything else. It is called after COMMIT, so it never throws but for the caller's own cancellation: whatever
    /// fails here (the network, analytics, the resilience pipeline's circuit breaker, rate limiter or timeout, a
    /// malformed answer) is "not known to be visible", never an error answer for a committed write.
    /// </summary>
    public async Task<bool?> WaitUntilVisibleAsync(ConsistencyToken token, TimeSpan budget, CancellationToken cancellationToken)
    {
        // Analytics waits server-side (one request, no polling); the HTTP call gets a little longer than the wait.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(budget + TimeSpan.FromSeconds(1));
        var waitMs = ((long)budget.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        try
        {
            var answer = await http.GetFromJsonAsync<VisibilityAnswer>(
                $"/api/analytics/freshness?token={Uri.EscapeDataString(token.ToString())}&waitMs={waitMs}", timeout.Token);
            return answer?.TokenVisible;
        }
#pragma warning disable CA1031 // After COMMIT: any failure means "not known to be visible" (issue 13 item 4).
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            LogUnavailable(logger, ex.GetType().Name, ex.Message);
            return null;
        }
    }

    private sealed record VisibilityAnswer([property: JsonPropertyName("tokenVisible")] bool? TokenVisible);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Analytics could not say whether a strong write is visible: {Kind}: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string kind, string reason);
}
