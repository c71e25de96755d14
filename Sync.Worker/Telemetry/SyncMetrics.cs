using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PolyglotAspire.SyncWorker.Telemetry;

/// <summary>
/// The worker's meter and activity source, <c>PolyglotAspire.Sync</c> (ServiceDefaults subscribes to
/// <c>PolyglotAspire.*</c>). Counters are updated once per batch or per exceptional event, never per message.
/// </summary>
internal sealed class SyncMetrics : IDisposable
{
    public const string Name = Microsoft.Extensions.Hosting.Extensions.TelemetryPrefix + "Sync";

    public static readonly ActivitySource Source = new(Name);

    private static readonly KeyValuePair<string, object?> Orders = new("sync.event.kind", "order");
    private static readonly KeyValuePair<string, object?> Heartbeats = new("sync.event.kind", "heartbeat");
    private static readonly KeyValuePair<string, object?> Dead = new("sync.event.kind", "dead_letter");

    private readonly Meter _meter;
    private readonly Counter<long> _events;
    private readonly Histogram<long> _batchRows;
    private readonly Histogram<long> _batchBytes;
    private readonly Histogram<double> _batchAge;
    private readonly Histogram<double> _insertDuration;
    private readonly Counter<long> _deadLetters;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _pauses;
    private readonly ConcurrentDictionary<int, long> _ends = new();
    private readonly ConcurrentDictionary<int, long> _committed = new();
    private readonly ConcurrentDictionary<int, long> _asOf = new();
    private readonly TimeProvider _time;

    public SyncMetrics(IMeterFactory meterFactory, TimeProvider time)
    {
        _time = time;
        _meter = meterFactory.Create(Name);
        _events = _meter.CreateCounter<long>("sync.events", "{event}",
            "Messages written by a committed batch, by kind (order row, heartbeat, dead letter). Rate = events/s.");
        _batchRows = _meter.CreateHistogram<long>("sync.batch.rows", "{row}", "orders rows per flushed batch.");
        _batchBytes = _meter.CreateHistogram<long>("sync.batch.bytes", "By", "RowBinary bytes per flushed batch.");
        _batchAge = _meter.CreateHistogram<double>("sync.batch.age", "s",
            "Age of a batch's first message when the batch is committed (consumption to commit).");
        _insertDuration = _meter.CreateHistogram<double>("sync.insert.duration", "s",
            "Duration of one successful orders insert into ClickHouse (the streamed RowBinary request).");
        _deadLetters = _meter.CreateCounter<long>("sync.dead_letters", "{message}",
            "Messages sent to the dead-letter topic, by reason.");
        _retries = _meter.CreateCounter<long>("sync.retries", "{retry}",
            "Retried operations (ClickHouse inserts, dead-letter produces, schema creation), by operation.");
        _pauses = _meter.CreateCounter<long>("sync.backpressure.pauses", "{pause}",
            "Times the consume loop paused its partitions because the pipeline was full.");
        _meter.CreateObservableGauge("sync.consumer.lag", ObserveLag, "{message}",
            "Messages between the last committed offset and the partition's end, per owned partition.");
        _meter.CreateObservableGauge("sync.freshness.lag", ObserveFreshness, "ms",
            "How far behind the source ClickHouse is: now minus the partition's as_of watermark.");
    }

    public static bool TracingEnabled => Source.HasListeners();

    /// <summary>
    /// A batch was committed: its messages by kind, its size and its age, tagged with what flushed it
    /// (<paramref name="trigger"/>: <c>rows</c>, <c>bytes</c>, <c>age</c>, <c>barrier</c> or <c>shutdown</c>).
    /// </summary>
    public void BatchCommitted(string trigger, int rows, int heartbeats, int deadLetters, long bytes, double ageSeconds)
    {
        var tag = new KeyValuePair<string, object?>("sync.flush.trigger", trigger);
        _events.Add(rows, Orders);
        _events.Add(heartbeats, Heartbeats);
        _events.Add(deadLetters, Dead);
        _batchRows.Record(rows, tag);
        _batchBytes.Record(bytes, tag);
        _batchAge.Record(ageSeconds, tag);
    }

    public void Inserted(TimeSpan duration) => _insertDuration.Record(duration.TotalSeconds);

    /// <summary>A message was dead-lettered for <paramref name="reason"/> (the stable name the dead-letter record carries).</summary>
    public void DeadLettered(string reason) => _deadLetters.Add(1, new KeyValuePair<string, object?>("sync.dead_letter.reason", reason));

    public void Retried(string operation) => _retries.Add(1, new KeyValuePair<string, object?>("sync.operation", operation));

    public void Paused() => _pauses.Add(1);

    /// <summary>Called by the consume loop about once a second with each assigned partition's end offset (high watermark).</summary>
    public void PartitionEnd(int partition, long end) => _ends[partition] = end;

    /// <summary>Called by the committer with each committed offset.</summary>
    public void Committed(int partition, long offset) => _committed[partition] = offset;

    /// <summary>Called by the committer with each partition's applied as_of (unix ms).</summary>
    public void Watermark(int partition, long asOfMs) => _asOf[partition] = asOfMs;

    public void Forget(int partition)
    {
        _ends.TryRemove(partition, out _);
        _committed.TryRemove(partition, out _);
        _asOf.TryRemove(partition, out _);
    }

    private IEnumerable<Measurement<long>> ObserveLag() =>
        _ends.Select(p => new Measurement<long>(Math.Max(0, p.Value - _committed.GetValueOrDefault(p.Key)),
            new KeyValuePair<string, object?>("messaging.destination.partition.id", p.Key)));

    private IEnumerable<Measurement<long>> ObserveFreshness()
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        return _asOf.Where(p => p.Value > 0).Select(p => new Measurement<long>(Math.Max(0, now - p.Value),
            new KeyValuePair<string, object?>("messaging.destination.partition.id", p.Key)));
    }

    public void Dispose() => _meter.Dispose();
}
