using System.Diagnostics.Metrics;
using PolyglotAspire.OrdersApi.Diagnostics;

namespace PolyglotAspire.OrdersApi.UnitTests;

/// <summary>
/// Orders.Api's instruments, exactly: OpenTelemetry-style names under <c>polyglot.orders.*</c>, UCUM units, durations
/// and ages in seconds, <c>error.type</c> for failures — the same conventions as the worker's (docs/observability.md).
/// </summary>
public sealed class InstrumentNamingTests
{
    [Fact]
    public void Orders_Api_publishes_these_instruments_with_these_units()
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

        using var telemetry = new OrdersTelemetry(factory);

        Assert.Equal(
        [
            ("polyglot.orders.capture.active", "{relay}", "ObservableGauge"),
            ("polyglot.orders.capture.commit_to_ack.duration", "s", "Histogram"),
            ("polyglot.orders.capture.dead_lettered", "{event}", "Counter"),
            ("polyglot.orders.capture.heartbeats", "{heartbeat}", "Counter"),
            ("polyglot.orders.capture.in_flight", "{event}", "ObservableGauge"),
            ("polyglot.orders.capture.publish_failures", "{failure}", "Counter"),
            ("polyglot.orders.capture.published", "{event}", "Counter"),
            ("polyglot.orders.capture.session_failures", "{failure}", "Counter"),
            ("polyglot.orders.capture.slot_lag", "By", "ObservableGauge"),
            ("polyglot.orders.capture.watermark_age", "s", "ObservableGauge"),
            ("polyglot.orders.writes", "{write}", "Counter"),
        ], instruments.OrderBy(i => i.Name, StringComparer.Ordinal));
    }

    [Fact]
    public void The_watermark_age_given_in_milliseconds_is_reported_in_seconds()
    {
        using var factory = new ScopedMeterFactory();
        var values = new List<double>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Name == "polyglot.orders.capture.watermark_age")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) => values.Add(value));
        listener.Start();
        using var telemetry = new OrdersTelemetry(factory);

        telemetry.SetWatermarkAge(2_500);
        listener.RecordObservableInstruments();

        Assert.Equal(2.5, Assert.Single(values));
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
