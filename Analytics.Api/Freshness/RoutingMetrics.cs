using System.Diagnostics.Metrics;

namespace PolyglotAspire.Analytics.Freshness;

/// <summary>
/// How reads are routed, as metrics (<c>PolyglotAspire.Analytics</c>): how often a read falls back to PostgreSQL and
/// why, how many fallbacks and waits were refused, and how many fallback queries run now.
/// </summary>
public sealed class RoutingMetrics : IDisposable
{
    public const string MeterName = "PolyglotAspire.Analytics";

    private readonly Meter _meter;
    private readonly Counter<long> _fallbacks;
    private readonly Counter<long> _waitsRefused;
    private long _fallbacksRunning;

    public RoutingMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _fallbacks = _meter.CreateCounter<long>("polyglot.analytics.fallbacks", "{read}",
            "Reads routed to PostgreSQL, by reason (session_wait_expired, session_wait_refused, bounded_lag_exceeded, freshness_unavailable) and outcome (admitted, rejected).");
        _waitsRefused = _meter.CreateCounter<long>("polyglot.analytics.waits_refused", "{read}",
            "Long-poll waits refused because MaxConcurrentWaits were already waiting, by kind (session, freshness).");
        _meter.CreateObservableGauge("polyglot.analytics.fallbacks_running", () => Volatile.Read(ref _fallbacksRunning), "{query}",
            "PostgreSQL fallback queries running now (at most Analytics:FallbackMaxConcurrency).");
    }

    /// <summary>Attribute names, prefixed with the product's namespace as OpenTelemetry asks of custom attributes.</summary>
    public const string ReasonTag = "polyglot.analytics.fallback.reason";
    public const string OutcomeTag = "polyglot.analytics.outcome";
    public const string WaitKindTag = "polyglot.analytics.wait.kind";

    public void Fallback(string reason, bool admitted) =>
        _fallbacks.Add(1, new KeyValuePair<string, object?>(ReasonTag, reason), new KeyValuePair<string, object?>(OutcomeTag, admitted ? "admitted" : "rejected"));

    public void WaitRefused(string kind) => _waitsRefused.Add(1, new KeyValuePair<string, object?>(WaitKindTag, kind));

    public void FallbackStarted() => Interlocked.Increment(ref _fallbacksRunning);

    public void FallbackEnded() => Interlocked.Decrement(ref _fallbacksRunning);

    public void Dispose() => _meter.Dispose();
}
