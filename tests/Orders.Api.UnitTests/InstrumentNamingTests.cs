using PolyglotAspire.OrdersApi.Diagnostics;
using PolyglotAspire.Testing;

namespace PolyglotAspire.OrdersApi.UnitTests;

/// <summary>
/// Orders.Api's instruments, exactly: OpenTelemetry-style names under <c>polyglot.orders.*</c>, UCUM units, durations
/// and ages in seconds, <c>error.type</c> for failures — the same conventions as the worker's (docs/observability.md).
/// </summary>
public sealed class InstrumentNamingTests
{
    [Fact]
    public void Orders_Api_publishes_these_instruments_with_these_units() =>
        Assert.Equal(
        [
            ("polyglot.orders.capture.active", "{relay}", "ObservableGauge"),
            ("polyglot.orders.capture.commit_to_ack.duration", "s", "Histogram"),
            ("polyglot.orders.capture.dead_lettered", "{event}", "Counter"),
            ("polyglot.orders.capture.heartbeats", "{heartbeat}", "Counter"),
            ("polyglot.orders.capture.in_flight", "{event}", "ObservableGauge"),
            ("polyglot.orders.capture.progress_rounds", "{round}", "Counter"),
            ("polyglot.orders.capture.publish_failures", "{failure}", "Counter"),
            ("polyglot.orders.capture.published", "{event}", "Counter"),
            ("polyglot.orders.capture.session_failures", "{failure}", "Counter"),
            ("polyglot.orders.capture.slot_lag", "By", "ObservableGauge"),
            ("polyglot.orders.capture.slot_safe_wal_size", "By", "ObservableGauge"),
            ("polyglot.orders.capture.watermark_age", "s", "ObservableGauge"),
            ("polyglot.orders.writes", "{write}", "Counter"),
        ], InstrumentInventory.Of(factory => new OrdersTelemetry(factory)));

    [Fact]
    public void The_watermark_age_given_in_milliseconds_is_reported_in_seconds() =>
        Assert.Equal([2.5], InstrumentInventory.Observe("polyglot.orders.capture.watermark_age",
            factory => new OrdersTelemetry(factory), telemetry => telemetry.SetWatermarkAge(2_500)));
}
