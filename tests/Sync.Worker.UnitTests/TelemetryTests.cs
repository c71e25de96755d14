using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using PolyglotAspire.SyncWorker.Pipeline;
using PolyglotAspire.SyncWorker.Telemetry;

namespace PolyglotAspire.SyncWorker.UnitTests;

[CollectionDefinition(DisableParallelization = true)]
public sealed class ProcessWideListeners;

/// <summary>One span per batch, linked to its events' traces; counters per batch (run alone: listeners are process-wide).</summary>
[Collection(typeof(ProcessWideListeners))]
public sealed class TelemetryTests
{
    [Fact]
    public async Task A_committed_batch_records_a_span_linked_to_its_events_and_its_counts()
    {
        var spans = new List<Activity>();
        using var tracing = new ActivityListener
        {
            ShouldListenTo = s => s.Name == SyncMetrics.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (spans) { spans.Add(a); } },
        };
        ActivitySource.AddActivityListener(tracing);

        var events = new List<(string Instrument, long Value, string? Kind)>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == SyncMetrics.Name)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? kind = null;
            foreach (var tag in tags)
            {
                if (tag.Key == SyncMetrics.EventKindTag)
                {
                    kind = (string?)tag.Value;
                }
            }

            lock (events)
            {
                events.Add((instrument.Name, value, kind));
            }
        });
        meters.Start();

        var metrics = Doubles.Metrics();
        var ownership = new PartitionOwnership();
        ownership.Assign([0]);
        using var pool = new OrderBatchPool(64 << 10, 4);
        var sink = new FakeSink();
        var retry = Doubles.FastRetry(metrics);
        var committer = new Committer(Channel.CreateUnbounded<OrderBatch>().Reader, new CommitterDemand(), pool, sink,
            new WatermarkBook(sink, ownership, retry, "telemetry.topic", TimeProvider.System, metrics), new FakeOffsets(sink.Calls), ownership,
            new FakeDeadLetters(), retry, "telemetry.topic", TimeProvider.System, metrics, NullLogger.Instance);

        var batch = pool.Rent();
        ref var slice = ref batch.Slice(0, 0, ownership.Current.EpochOf(0));
        slice.LastOffset = 2;
        batch.MessageCount = 3;
        batch.RowCount = 2;
        batch.HeartbeatCount = 1;
        batch.Rows.Write(new byte[20]);
        Assert.True(TraceParent.TryParse("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"u8, out var first));
        Assert.True(TraceParent.TryParse("00-11111111111111111111111111111111-2222222222222222-00"u8, out var second));
        batch.Links[0] = first;
        batch.Links[1] = second;
        batch.LinkCount = 2;

        await committer.WriteAsync(batch, TestContext.Current.CancellationToken);

        var span = Assert.Single(spans, s => (string?)s.GetTagItem("messaging.destination.name") == "telemetry.topic");
        Assert.Equal("sync batch", span.DisplayName);
        Assert.Equal(ActivityKind.Consumer, span.Kind);
        Assert.Equal([first.TraceId, second.TraceId], span.Links.Select(l => l.Context.TraceId));
        Assert.Equal(2, span.GetTagItem("polyglot.sync.batch.rows"));
        Assert.StartsWith("telemetry.topic:0@0-2#", (string?)span.GetTagItem("polyglot.sync.dedup_token"), StringComparison.Ordinal);

        meters.RecordObservableInstruments();
        lock (events)
        {
            Assert.Contains(("polyglot.sync.events", 2L, "order"), events);
            Assert.Contains(("polyglot.sync.events", 1L, "heartbeat"), events);
            Assert.Contains(events, e => e.Instrument == "polyglot.sync.batch.rows" && e.Value == 2);
            Assert.Contains(events, e => e.Instrument == "polyglot.sync.batch.size" && e.Value == 20);
        }
    }
}
