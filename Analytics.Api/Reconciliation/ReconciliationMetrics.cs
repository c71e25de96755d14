using System.Diagnostics.Metrics;

namespace PolyglotAspire.Analytics.Reconciliation;

/// <summary>
/// Analytics.Api's meter, <c>PolyglotAspire.Analytics</c> (ServiceDefaults subscribes to <c>PolyglotAspire.*</c>):
/// the last reconciliation's result, as gauges an alert can watch (differences above 0), and how long each took.
/// </summary>
public sealed class ReconciliationMetrics : IDisposable
{
    public const string Name = Microsoft.Extensions.Hosting.Extensions.TelemetryPrefix + "Analytics";
    public const string OutcomeTag = "polyglot.analytics.reconciliation.outcome";

    private readonly Meter _meter;
    private readonly Counter<long> _runs;
    private readonly Histogram<double> _duration;
    private ReconciliationReport? _last;

    public ReconciliationMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(Name);
        _runs = _meter.CreateCounter<long>("polyglot.analytics.reconciliations", "{reconciliation}",
            "Reconciliations requested, by outcome (equal, different, not_caught_up, busy).");
        _duration = _meter.CreateHistogram<double>("polyglot.analytics.reconciliation.duration", "s",
            "Duration of a completed reconciliation: snapshot, wait for the watermark, both stores' aggregates, comparison.");
        _meter.CreateObservableGauge("polyglot.analytics.reconciliation.differences", () => Observe(r => r.Differences.Count), "{bucket}",
            "Buckets (day × region × currency) in which the last reconciliation found PostgreSQL and ClickHouse to differ.");
        _meter.CreateObservableGauge("polyglot.analytics.reconciliation.buckets", () => Observe(r => r.Buckets), "{bucket}",
            "Buckets the last reconciliation compared.");
    }

    public void Completed(ReconciliationReport report)
    {
        Volatile.Write(ref _last, report);
        _duration.Record(report.ElapsedSeconds);
        _runs.Add(1, new KeyValuePair<string, object?>(OutcomeTag, report.Differences.Count == 0 ? "equal" : "different"));
    }

    public void NotCompared(string outcome) => _runs.Add(1, new KeyValuePair<string, object?>(OutcomeTag, outcome));

    public void Dispose() => _meter.Dispose();

    /// <summary>Nothing until a reconciliation has completed: an absent value is not a zero.</summary>
    private IEnumerable<Measurement<int>> Observe(Func<ReconciliationReport, int> value) =>
        Volatile.Read(ref _last) is { } last ? [new Measurement<int>(value(last))] : [];
}
