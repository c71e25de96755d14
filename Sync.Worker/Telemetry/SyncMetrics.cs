using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PolyglotAspire.SyncWorker.Telemetry;

/// <summary>
/// The worker's meter and activity source, <c>PolyglotAspire.Sync</c> (ServiceDefaults subscribes to
/// <c>PolyglotAspire.*</c>). Counters are updated once per batch or per exceptional event, never per message.
/// Names follow OpenTelemetry's conventions as Orders.Api's do: the app's own instruments and attributes under
/// <c>polyglot.*</c>, standard attributes where one exists (<c>error.type</c>, <c>messaging.*</c>), durations in seconds.
/// </summary>
internal sealed class SyncMetrics : IDisposable
{
    public const string Name = Microsoft.Extensions.Hosting.Extensions.TelemetryPrefix + "Sync";

    public static readonly ActivitySource Source = new(Name);

    public const string EventKindTag = "polyglot.sync.event.kind";
    public const string FlushTriggerTag = "polyglot.sync.flush.trigger";
    public const string OperationTag = "polyglot.sync.operation";
    public const string PartitionTag = "messaging.destination.partition.id";

    private static readonly KeyValuePair<string, object?> Orders = new(EventKindTag, "order");
    private static readonly KeyValuePair<string, object?> Heartbeats = new(EventKindTag, "heartbeat");
    private static readonly KeyValuePair<string, object?> Dead = new(EventKindTag, "dead_letter");

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
        _events = _meter.CreateCounter<long>("polyglot.sync.events", "{event}",
            "Messages written by a committed batch, by kind (order row, heartbeat, dead letter). Rate = events/s.");
        _batchRows = _meter.CreateHistogram<long>("polyglot.sync.batch.rows", "{row}", "orders rows per flushed batch.");
        _batchBytes = _meter.CreateHistogram<long>("polyglot.sync.batch.size", "By", "RowBinary bytes per flushed batch.");
        _batchAge = _meter.CreateHistogram<double>("polyglot.sync.batch.age", "s",
            "Age of a batch's first message when the batch is committed (consumption to commit).");
        _insertDuration = _meter.CreateHistogram<double>("polyglot.sync.insert.duration", "s",
            "Duration of one successful orders insert into ClickHouse (the streamed RowBinary request).");
        _deadLetters = _meter.CreateCounter<long>("polyglot.sync.dead_letters", "{message}",
            "Messages sent to the dead-letter topic, by reason (error.type).");
        _retries = _meter.CreateCounter<long>("polyglot.sync.retries", "{retry}",
            "Retried operations (ClickHouse inserts, dead-letter produces, schema creation), by operation.");
        _pauses = _meter.CreateCounter<long>("polyglot.sync.backpressure.pauses", "{pause}",
            "Times the consume loop paused its partitions because the pipeline was full.");
        _meter.CreateObservableGauge("polyglot.sync.consumer.lag", ObserveLag, "{message}",
            "Messages between the last committed offset and the partition's end, per owned partition.");
        _meter.CreateObservableGauge("polyglot.sync.freshness.lag", ObserveFreshness, "s",
            "How far behind the source ClickHouse is: now minus the partition's as_of watermark.");
    }

    public static bool TracingEnabled => Source.HasListeners();

    /// <summary>
    /// A batch was committed: its messages by kind, its size and its age, tagged with what flushed it
    /// (<paramref name="trigger"/>: <c>rows</c>, <c>bytes</c>, <c>drained</c>, <c>age</c>, <c>barrier</c> or <c>shutdown</c>).
    /// </summary>
    public void BatchCommitted(string trigger, int rows, int heartbeats, int deadLetters, long bytes, double ageSeconds)
    {
        var tag = new KeyValuePair<string, object?>(FlushTriggerTag, trigger);
        _events.Add(rows, Orders);
        _events.Add(heartbeats, Heartbeats);
        _events.Add(deadLetters, Dead);
        _batchRows.Record(rows, tag);
        _batchBytes.Record(bytes, tag);
        _batchAge.Record(ageSeconds, tag);
    }

    public void Inserted(TimeSpan duration) => _insertDuration.Record(duration.TotalSeconds);

    /// <summary>A message was dead-lettered for <paramref name="reason"/> (the stable name the dead-letter record carries).</summary>
    public void DeadLettered(string reason) => _deadLetters.Add(1, new KeyValuePair<string, object?>("error.type", reason));

    public void Retried(string operation) => _retries.Add(1, new KeyValuePair<string, object?>(OperationTag, operation));

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

    /// <summary>
    /// How far behind the source the furthest-behind owned partition is (now minus its as_of), or null before any
    /// watermark: what the freshness target (<c>SyncWorker:FreshnessTarget</c>) is judged by.
    /// </summary>
    public TimeSpan? FreshnessLag()
    {
        var oldest = long.MaxValue;
        foreach (var (_, asOf) in _asOf)
        {
            if (asOf > 0 && asOf < oldest)
            {
                oldest = asOf;
            }
        }

        return oldest == long.MaxValue ? null : TimeSpan.FromMilliseconds(Math.Max(0, _time.GetUtcNow().ToUnixTimeMilliseconds() - oldest));
    }

    private IEnumerable<Measurement<long>> ObserveLag() =>
        _ends.Select(p => new Measurement<long>(Math.Max(0, p.Value - _committed.GetValueOrDefault(p.Key)),
            new KeyValuePair<string, object?>(PartitionTag, p.Key)));

    private IEnumerable<Measurement<double>> ObserveFreshness()
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        return _asOf.Where(p => p.Value > 0).Select(p => new Measurement<double>(Math.Max(0, now - p.Value) / 1000.0,
            new KeyValuePair<string, object?>(PartitionTag, p.Key)));
    }

    public void Dispose() => _meter.Dispose();
}
