using System.Diagnostics.Metrics;
using PolyglotAspire.SyncWorker.Telemetry;

namespace PolyglotAspire.SyncWorker.UnitTests;

/// <summary>
/// The worker's instruments, exactly: OpenTelemetry-style names under <c>polyglot.sync.*</c>, UCUM units, durations
/// and ages in seconds — the same conventions as Orders.Api's (docs/observability.md lists both).
/// </summary>
[Collection(typeof(ProcessWideListeners))]
public sealed class InstrumentNamingTests
{
    [Fact]
    public void The_worker_publishes_these_instruments_with_these_units()
    {
        using var factory = new ScopedMeterFactory();
        var instruments = new List<(string Name, string? Unit, string Kind)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Scope == factory)
                {
                    lock (instruments)
                    {
                        instruments.Add((instrument.Name, instrument.Unit, instrument.GetType().Name.Split('`')[0]));
                    }
                }
            },
        };
        listener.Start();

        using var metrics = new SyncMetrics(factory, TimeProvider.System);

        Assert.Equal(
        [
            ("polyglot.sync.backpressure.pauses", "{pause}", "Counter"),
            ("polyglot.sync.batch.age", "s", "Histogram"),
            ("polyglot.sync.batch.rows", "{row}", "Histogram"),
            ("polyglot.sync.batch.size", "By", "Histogram"),
            ("polyglot.sync.consumer.lag", "{message}", "ObservableGauge"),
            ("polyglot.sync.dead_letters", "{message}", "Counter"),
            ("polyglot.sync.events", "{event}", "Counter"),
            ("polyglot.sync.freshness.lag", "s", "ObservableGauge"),
            ("polyglot.sync.insert.duration", "s", "Histogram"),
            ("polyglot.sync.retries", "{retry}", "Counter"),
        ], instruments.OrderBy(i => i.Name, StringComparer.Ordinal));
    }

    [Fact]
    public void Freshness_lag_is_reported_in_seconds()
    {
        using var factory = new ScopedMeterFactory();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_000_000));
        var values = new List<double>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Name == "polyglot.sync.freshness.lag")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) => values.Add(value));
        listener.Start();
        using var metrics = new SyncMetrics(factory, time);

        metrics.Watermark(0, 1_000_000 - 1_500);
        listener.RecordObservableInstruments();

        Assert.Equal(1.5, Assert.Single(values));
    }

    /// <summary>Meters scoped to one test, so instruments of other tests' instances (running in parallel) are not counted.</summary>
    private sealed class ScopedMeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose() => _meters.ForEach(m => m.Dispose());
    }
}
