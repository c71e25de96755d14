using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PolyglotAspire.OrdersApi.Diagnostics;

/// <summary>
/// The service's traces and metrics, named <c>PolyglotAspire.Orders</c> (ServiceDefaults subscribes to
/// <c>PolyglotAspire.*</c>). HTTP request metrics come from ASP.NET Core and database ones from Npgsql; these add the
/// domain outcome of each write and the capture relay's progress. Names follow OpenTelemetry's conventions as the
/// worker's do: the app's own instruments and attributes under <c>polyglot.*</c>, <c>error.type</c> for why something
/// failed, durations and ages in seconds.
/// </summary>
public sealed class OrdersTelemetry : IDisposable
{
    public const string Name = "PolyglotAspire.Orders";

    /// <summary>OpenTelemetry's attribute for the class of error an operation ended with.</summary>
    public const string ErrorType = "error.type";

    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Meter _meter;
    private long _slotLagBytes = -1;
    private long _slotSafeWalBytes = -1;
    private double _watermarkAgeSeconds = -1;
    private long _inFlight;
    private int _active;

    public OrdersTelemetry(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(Name);
        Writes = _meter.CreateCounter<long>("polyglot.orders.writes", "{write}",
            "Write requests by operation (create, status, delete) and outcome (committed, replayed, rejected, conflict, precondition_failed, not_found).");
        Published = _meter.CreateCounter<long>("polyglot.orders.capture.published", "{event}",
            "Order events acknowledged by Kafka.");
        Heartbeats = _meter.CreateCounter<long>("polyglot.orders.capture.heartbeats", "{heartbeat}",
            "Heartbeat rounds published (one message per partition each).");
        Progress = _meter.CreateCounter<long>("polyglot.orders.capture.progress_rounds", "{round}",
            "Progress rounds published: a transaction's commit LSN to every partition, at most one per CaptureRelay:ProgressInterval.");
        PublishFailures = _meter.CreateCounter<long>("polyglot.orders.capture.publish_failures", "{failure}",
            "Events Kafka refused or that could not be produced, by error.type (the relay restarts from the slot's confirmed LSN).");
        DeadLettered = _meter.CreateCounter<long>("polyglot.orders.capture.dead_lettered", "{event}",
            "Outbox rows that were not valid envelopes, sent to the dead-letter topic.");
        SessionFailures = _meter.CreateCounter<long>("polyglot.orders.capture.session_failures", "{failure}",
            "Replication sessions that ended in an error, by error.type.");
        CommitToAck = _meter.CreateHistogram<double>("polyglot.orders.capture.commit_to_ack.duration", "s",
            "Capture lag: source commit time (PostgreSQL clock) to Kafka acknowledgement.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60] });
        _meter.CreateObservableGauge<long>("polyglot.orders.capture.slot_lag", () => Volatile.Read(ref _slotLagBytes) is var v and >= 0 ? [new Measurement<long>(v)] : [],
            "By", "WAL bytes between the server's current position and the slot's confirmed LSN (the WAL the slot retains).");
        _meter.CreateObservableGauge<long>("polyglot.orders.capture.slot_safe_wal_size", () => Volatile.Read(ref _slotSafeWalBytes) is var v and >= 0 ? [new Measurement<long>(v)] : [],
            "By", "WAL that may still be written before the slot is at risk of invalidation (max_slot_wal_keep_size); absent without a bound.");
        _meter.CreateObservableGauge<double>("polyglot.orders.capture.watermark_age", () => Volatile.Read(ref _watermarkAgeSeconds) is var v and >= 0 ? [new Measurement<double>(v)] : [],
            "s", "How far behind the source the relay's confirmed position is (now minus the commit time of the last acknowledged change or heartbeat).");
        _meter.CreateObservableGauge("polyglot.orders.capture.in_flight", () => Volatile.Read(ref _inFlight),
            "{event}", "Events produced to Kafka and not yet acknowledged.");
        _meter.CreateObservableGauge("polyglot.orders.capture.active", () => Volatile.Read(ref _active),
            "{relay}", "1 while this instance holds the replication slot.");
    }

    public Counter<long> Writes { get; }
    public Counter<long> Published { get; }
    public Counter<long> Heartbeats { get; }
    public Counter<long> Progress { get; }
    public Counter<long> PublishFailures { get; }
    public Counter<long> SessionFailures { get; }
    public Counter<long> DeadLettered { get; }
    public Histogram<double> CommitToAck { get; }

    public void RecordWrite(string operation, string outcome) =>
        Writes.Add(1, new KeyValuePair<string, object?>("polyglot.orders.operation", operation), new KeyValuePair<string, object?>("polyglot.orders.outcome", outcome));

    public void SetSlotLag(long bytes) => Volatile.Write(ref _slotLagBytes, bytes);

    public void SetSlotSafeWalSize(long? bytes) => Volatile.Write(ref _slotSafeWalBytes, bytes ?? -1);

    /// <summary>The relay's watermark age, given in milliseconds (the relay's clock arithmetic), reported in seconds.</summary>
    public void SetWatermarkAge(double ms) => Volatile.Write(ref _watermarkAgeSeconds, ms / 1000);

    public void SetInFlight(long count) => Volatile.Write(ref _inFlight, count);

    public void SetActive(bool active) => Volatile.Write(ref _active, active ? 1 : 0);

    public void Dispose() => _meter.Dispose();
}
