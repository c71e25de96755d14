using System.Diagnostics;
using System.Threading.Channels;
using Confluent.Kafka;
using PolyglotAspire.SyncWorker.ClickHouse;
using PolyglotAspire.SyncWorker.Telemetry;

namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>
/// The write stage, one batch at a time and in order: the <c>orders</c> insert (retried until it succeeds, with the
/// batch's deduplication token, so a retry that follows a half-known outcome inserts nothing twice), the dead
/// letters' acknowledgements, the <c>sync_state</c> rows of the partitions the batch touched (kept by the
/// <see cref="WatermarkBook"/>), then the Kafka commit of each partition's next offset — in that order, so a crash
/// between two steps leaves the watermark and the committed offsets behind the truth, never ahead of it. Only
/// partitions still owned in the epoch the batch consumed them in are committed or advanced.
/// </summary>
internal sealed partial class Committer(
    ChannelReader<OrderBatch> input,
    CommitterDemand demand,
    OrderBatchPool batches,
    IClickHouseSink sink,
    WatermarkBook watermarks,
    IOffsetCommitter offsets,
    PartitionOwnership ownership,
    IDeadLetterPublisher deadLetters,
    RetryPolicy retry,
    string topic,
    TimeProvider time,
    SyncMetrics metrics,
    ILogger logger)
{
    /// <summary>Offsets written to ClickHouse whose commit failed: retried with the next commit while still owned.</summary>
    private readonly Dictionary<int, (long Offset, int Epoch)> _uncommitted = [];

    private readonly List<TopicPartitionOffset> _commits = [];

    /// <summary>
    /// Runs until the input completes; <paramref name="abandon"/> gives up what is in flight (no commit). Up to
    /// <paramref name="parallelism"/> inserts run at once (each with its own token), but everything after the
    /// insert — dead-letter acks, <c>sync_state</c>, the commit — happens strictly in batch order: a batch is
    /// finalized only once every batch before it is, so no commit ever passes unwritten data. Tells the batcher,
    /// through the <see cref="CommitterDemand"/>, whenever it has room for one more insert.
    /// </summary>
    public async Task RunAsync(CancellationToken abandon, int parallelism = 1)
    {
        var inFlight = new Queue<(OrderBatch Batch, Task<Inserted> Insert)>();
        Task<bool>? waitForInput = null;
        var inputDone = false;
        try
        {
            while (true)
            {
                if (inFlight.Count > 0 && (inputDone || inFlight.Peek().Insert.IsCompleted || inFlight.Count >= parallelism))
                {
                    var (batch, insert) = inFlight.Dequeue();
                    try
                    {
                        await FinalizeAsync(batch, await insert, abandon);
                    }
                    finally
                    {
                        batches.Return(batch);
                    }

                    demand.Set(inFlight.Count < parallelism);
                    continue;
                }

                if (waitForInput is null && input.TryRead(out var next))
                {
                    inFlight.Enqueue((next, InsertAsync(next, abandon)));
                    demand.Set(inFlight.Count < parallelism);
                    continue;
                }

                waitForInput ??= input.WaitToReadAsync(abandon).AsTask();
                if (inFlight.Count > 0)
                {
                    await Task.WhenAny(waitForInput, inFlight.Peek().Insert);
                    if (!waitForInput.IsCompleted)
                    {
                        continue;
                    }
                }

                if (!await waitForInput)
                {
                    inputDone = true; // finish what is in flight, in order, then stop
                    if (inFlight.Count == 0)
                    {
                        break;
                    }
                }

                waitForInput = null;
            }
        }
        finally
        {
            // Whatever was not finalized: its barriers learn the flush did not happen; its buffers go back to the
            // pool only once no request is still reading them.
            while (inFlight.TryDequeue(out var left))
            {
                left.Batch.Barriers.ForEach(b => b.Abandon());
                try
                {
                    (await left.Insert).Activity?.Dispose();
                }
                catch (Exception ex) when (ex is OperationCanceledException || abandon.IsCancellationRequested)
                {
                }

                batches.Return(left.Batch);
            }

            while (input.TryRead(out var queued))
            {
                queued.Barriers.ForEach(b => b.Abandon());
                batches.Return(queued);
            }
        }
    }

    /// <summary>An insert that succeeded: how long it took, and the batch's span, still open until the batch is committed.</summary>
    internal readonly record struct Inserted(TimeSpan Duration, Activity? Activity);

    /// <summary>One batch, start to end (the unit tests' entry point; <see cref="RunAsync"/> overlaps the inserts).</summary>
    internal async Task WriteAsync(OrderBatch batch, CancellationToken abandon)
    {
        Inserted inserted;
        try
        {
            inserted = await InsertAsync(batch, abandon);
        }
        catch
        {
            batch.Barriers.ForEach(b => b.Abandon());
            throw;
        }

        await FinalizeAsync(batch, inserted, abandon);
    }

    /// <summary>The insert, retried until it succeeds (same bytes, same token) or the pipeline gives up.</summary>
    private async Task<Inserted> InsertAsync(OrderBatch batch, CancellationToken abandon)
    {
        // Started here, in the insert's own async flow: the ClickHouse HTTP spans become its children.
        var activity = StartActivity(batch);
        try
        {
            if (batch.RowCount == 0)
            {
                return new Inserted(TimeSpan.Zero, activity);
            }

            var token = batch.DeduplicationToken(topic);
            activity?.SetTag("polyglot.sync.dedup_token", token);
            var started = time.GetTimestamp();
            await retry.ExecuteAsync("insert orders", ct => sink.InsertOrdersAsync(batch.Rows, token, ct), abandon);
            var duration = time.GetElapsedTime(started);
            metrics.Inserted(duration);
            return new Inserted(duration, activity);
        }
        catch
        {
            activity?.Dispose();
            throw;
        }
    }

    /// <summary>After the insert, in batch order: dead-letter acknowledgements, sync_state, the commit, the barriers.</summary>
    private async Task FinalizeAsync(OrderBatch batch, Inserted inserted, CancellationToken abandon)
    {
        using var activity = inserted.Activity;
        try
        {
            foreach (var letter in batch.DeadLetters)
            {
                await retry.ExecuteAsync("dead-letter produce", async ct =>
                {
                    try
                    {
                        await letter.Delivery!.WaitAsync(ct);
                    }
                    catch (Exception) when (!ct.IsCancellationRequested)
                    {
                        letter.Delivery = deadLetters.PublishAsync(letter); // re-send, then let the policy wait
                        throw;
                    }
                }, abandon);
            }

            await watermarks.WriteAsync(batch, abandon);
            Commit(batch);
            var age = time.GetElapsedTime(batch.FirstTimestamp);
            metrics.BatchCommitted(TriggerName(batch.Trigger), batch.RowCount, batch.HeartbeatCount, batch.DeadLetters.Count,
                batch.Rows.Length, age.TotalSeconds);
            batch.Barriers.ForEach(b => b.Complete());
            LogCommitted(logger, batch.MessageCount, batch.RowCount, batch.Rows.Length, batch.DeadLetters.Count, batch.Trigger,
                inserted.Duration.TotalMilliseconds, age.TotalMilliseconds);
            if (batch.DeadLetters.Count > 0)
            {
                var first = batch.DeadLetters[0];
                LogDeadLetters(logger, batch.DeadLetters.Count, first.Partition, first.Offset, first.Error, first.Field);
            }
        }
        catch
        {
            batch.Barriers.ForEach(b => b.Abandon());
            throw;
        }
    }

    private Activity? StartActivity(OrderBatch batch)
    {
        if (!SyncMetrics.TracingEnabled)
        {
            return null;
        }

        var links = new ActivityLink[batch.LinkCount];
        for (var i = 0; i < links.Length; i++)
        {
            links[i] = new ActivityLink(batch.Links[i]);
        }

        var activity = SyncMetrics.Source.StartActivity("sync batch", ActivityKind.Consumer, parentContext: default, links: links);
        activity?.SetTag("messaging.system", "kafka")
            .SetTag("messaging.destination.name", topic)
            .SetTag("messaging.batch.message_count", batch.MessageCount)
            .SetTag("polyglot.sync.batch.rows", batch.RowCount)
            .SetTag("polyglot.sync.batch.size", batch.Rows.Length)
            .SetTag("polyglot.sync.batch.dead_letters", batch.DeadLetters.Count)
            .SetTag(SyncMetrics.FlushTriggerTag, TriggerName(batch.Trigger));
        return activity;
    }

    /// <summary>The flush trigger's tag value (<see cref="SyncMetrics.FlushTriggerTag"/>), on the batch span and its metrics.</summary>
    private static string TriggerName(FlushTrigger trigger) => trigger switch
    {
        FlushTrigger.Rows => "rows",
        FlushTrigger.Bytes => "bytes",
        FlushTrigger.Drained => "drained",
        FlushTrigger.Age => "age",
        FlushTrigger.Barrier => "barrier",
        _ => "shutdown",
    };

    private void Commit(OrderBatch batch)
    {
        foreach (var slice in batch.Slices)
        {
            _uncommitted[slice.Partition] = (slice.NextOffset, slice.Epoch);
        }

        _commits.Clear();
        foreach (var (partition, (offset, epoch)) in _uncommitted)
        {
            if (ownership.StillOwns(partition, epoch))
            {
                _commits.Add(new TopicPartitionOffset(topic, partition, offset));
            }
        }

        // Partitions no longer owned in that epoch are dropped: their new owner starts from the last commit.
        foreach (var partition in _uncommitted.Keys.ToList())
        {
            if (!ownership.StillOwns(partition, _uncommitted[partition].Epoch))
            {
                _uncommitted.Remove(partition);
            }
        }

        if (_commits.Count == 0)
        {
            return;
        }

        try
        {
            offsets.Commit(_commits);
            foreach (var c in _commits)
            {
                _uncommitted.Remove(c.Partition.Value);
                metrics.Committed(c.Partition.Value, c.Offset.Value);
            }
        }
        catch (KafkaException ex)
        {
            // The rows are in ClickHouse: a failed commit only means they may be consumed again (and collapse by
            // version). Keep the offsets and commit them with the next batch.
            metrics.Retried("commit offsets");
            LogCommitFailed(logger, ex, ex.Error.Reason);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Committed a batch of {Messages} messages: {Rows} rows, {Bytes} bytes, {DeadLetters} dead letters, flushed on {Trigger}; insert {InsertMs:F1} ms, age {AgeMs:F1} ms")]
    private static partial void LogCommitted(ILogger logger, int messages, int rows, long bytes, int deadLetters, FlushTrigger trigger, double insertMs, double ageMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} messages of this batch went to the dead-letter topic; the first: partition {Partition} offset {Offset}, {Reason} (field {Field})")]
    private static partial void LogDeadLetters(ILogger logger, int count, int partition, long offset, Encoding.DecodeError reason, int field);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Offset commit failed ({Reason}); it is retried with the next batch")]
    private static partial void LogCommitFailed(ILogger logger, Exception exception, string reason);
}
