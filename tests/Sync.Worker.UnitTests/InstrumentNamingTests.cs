using Microsoft.Extensions.Time.Testing;
using PolyglotAspire.SyncWorker.Telemetry;
using PolyglotAspire.Testing;

namespace PolyglotAspire.SyncWorker.UnitTests;

/// <summary>
/// The worker's instruments, exactly: OpenTelemetry-style names under <c>polyglot.sync.*</c>, UCUM units, durations
/// and ages in seconds — the same conventions as Orders.Api's (docs/observability.md lists both).
/// </summary>
public sealed class InstrumentNamingTests
{
    [Fact]
    public void The_worker_publishes_these_instruments_with_these_units() =>
        Assert.Equal(
        [
            ("polyglot.sync.backfill.rows", "{row}", "Counter"),
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
        ], InstrumentInventory.Of(factory => new SyncMetrics(factory, TimeProvider.System)));

    [Fact]
    public void Freshness_lag_is_reported_in_seconds()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_000_000));

        Assert.Equal([1.5], InstrumentInventory.Observe("polyglot.sync.freshness.lag",
            factory => new SyncMetrics(factory, time), metrics => metrics.Watermark(0, 1_000_000 - 1_500)));
    }
}
