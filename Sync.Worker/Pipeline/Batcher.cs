using System.Threading.Channels;
using PolyglotAspire.SyncWorker.Encoding;
using PolyglotAspire.SyncWorker.Telemetry;

namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>
/// The decode stage: reads <see cref="RawBlock"/>s, transcodes every message straight into the current batch's
/// RowBinary, and seals the batch when it reaches <see cref="BatchLimits.MaxRows"/> rows or
/// <see cref="BatchLimits.MaxBytes"/> bytes (dead letters count toward both), at a barrier, or by age (from its first
/// message's consumption): at <see cref="BatchLimits.Linger"/> when nothing more is waiting and the committer waits for
/// a batch (<see cref="CommitterDemand"/>; group commit: a batch waits only while data is arriving or the committer is
/// busy), at <see cref="BatchLimits.MaxAge"/> once the committer's queue has room even if more is. Sealed batches go to
/// a bounded channel: when the committer falls behind, this stage waits, the block channel fills, and the consume loop
/// pauses.
/// </summary>
internal sealed partial class Batcher(
    ChannelReader<RawBlock> input,
    ChannelWriter<OrderBatch> output,
    CommitterDemand demand,
    RawBlockPool blocks,
    OrderBatchPool batches,
    BatchLimits limits,
    IDeadLetterPublisher deadLetters,
    PipelineStatus status,
    TimeProvider time,
    SyncMetrics metrics,
    ILogger logger)
{
    private OrderBatch _batch = null!;

    /// <summary>Runs until the input completes (then seals what is left) or <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _batch = batches.Rent();
        Task<bool>? waitForInput = null;
        Task? waitForRoom = null;
        Task? ageTimer = null;
        long ageTimerBatch = -1;
        try
        {
            while (true)
            {
                // Group commit: flush once the committer waits for a batch and nothing more is already waiting
                // (after Linger). If the committer is still busy, or a backlog is queued behind this batch, sealing
                // now would only make a smaller insert (and one more part to merge) that waits all the same: keep
                // filling up to the row and byte limits. So batches grow with the load and stay small — fresh — when
                // it is light. MaxAge bounds the wait of a batch that input keeps feeding faster than it reaches its
                // size limits.
                var age = _batch.IsEmpty ? TimeSpan.Zero : time.GetElapsedTime(_batch.FirstTimestamp);
                if (!_batch.IsEmpty && age >= limits.MaxAge && TrySeal(FlushTrigger.Age))
                {
                    waitForRoom = null;
                    continue;
                }

                if (waitForInput is null && input.TryRead(out var block))
                {
                    await ProcessAsync(block, cancellationToken);
                    continue;
                }

                var aged = !_batch.IsEmpty && (age >= limits.Linger || Behind());
                var ready = demand.IsReady;
                if (aged && ready && TrySeal(FlushTrigger.Drained))
                {
                    waitForRoom = null;
                    continue;
                }

                waitForInput ??= input.WaitToReadAsync(cancellationToken).AsTask();
                if (aged)
                {
                    // Not ready: wait for the committer. Ready but the queue is full: it is about to take the queued
                    // batch (and be busy again); wait for that rather than spin.
                    waitForRoom ??= ready ? output.WaitToWriteAsync(cancellationToken).AsTask() : demand.WhenReadyAsync(cancellationToken);
                    await Task.WhenAny(waitForInput, waitForRoom);
                    cancellationToken.ThrowIfCancellationRequested();
                    if (waitForRoom.IsCompleted)
                    {
                        waitForRoom = null;
                    }

                    if (!waitForInput.IsCompleted)
                    {
                        continue;
                    }
                }
                else if (!_batch.IsEmpty)
                {
                    // Race the input against the batch's linger deadline. One timer per batch, reused across waits.
                    if (ageTimer is null || ageTimerBatch != _batch.Id)
                    {
                        var left = limits.Linger - time.GetElapsedTime(_batch.FirstTimestamp);
                        ageTimer = Task.Delay(left > TimeSpan.Zero ? left : TimeSpan.Zero, time, cancellationToken);
                        ageTimerBatch = _batch.Id;
                    }

                    await Task.WhenAny(waitForInput, ageTimer);
                    cancellationToken.ThrowIfCancellationRequested();
                    if (!waitForInput.IsCompleted)
                    {
                        continue; // the age check at the top seals it
                    }
                }

                var more = await waitForInput;
                waitForInput = null;
                if (!more)
                {
                    break; // the consume loop completed the channel: drain done
                }
            }

            if (!_batch.IsEmpty)
            {
                await SealAsync(FlushTrigger.Shutdown, cancellationToken);
            }
        }
        finally
        {
            batches.Return(_batch);
            output.TryComplete();
        }
    }

    /// <summary>Far behind the freshness target: lingering for a bigger insert would only add to the lag.</summary>
    private bool Behind() => metrics.FreshnessLag() >= limits.UrgentLag;

    private async ValueTask ProcessAsync(RawBlock block, CancellationToken cancellationToken)
    {
        try
        {
            if (block.Flush is { } flush)
            {
                _batch.Barriers.Add(flush);
                await SealAsync(FlushTrigger.Barrier, cancellationToken);
                return;
            }

            status.KeepHalts(block.Ownership);
            for (var i = 0; i < block.Count; i++)
            {
                if (_batch.IsEmpty)
                {
                    _batch.FirstTimestamp = block.FirstTimestamp;
                }

                Transcode(block, in block.Entry(i));
                // Dead letters count like rows: a stream of undecodable messages must not grow one batch without bound.
                if (_batch.RowCount + _batch.DeadLetters.Count >= limits.MaxRows)
                {
                    await SealAsync(FlushTrigger.Rows, cancellationToken);
                }
                else if (_batch.Rows.Length + _batch.DeadLetterBytes >= limits.MaxBytes)
                {
                    await SealAsync(FlushTrigger.Bytes, cancellationToken);
                }
            }
        }
        finally
        {
            blocks.Return(block);
        }
    }

    private void Transcode(RawBlock block, in RawEntry entry)
    {
        var epoch = block.Ownership.EpochOf(entry.Partition);
        if (status.IsHalted(entry.Partition, epoch))
        {
            return; // stopped before an earlier message: nothing after it is applied, so nothing after it is committed
        }

        switch (Apply(_batch, block, in entry, out var info))
        {
            case EnvelopeKind.Invalid:
                DeadLetter(block, entry, info);
                break;
            case EnvelopeKind.NewerSchema:
                var reason = $"SchemaVersion {info.SchemaVersion} is newer than this worker's {Contracts.OrderEvent.CurrentSchemaVersion}";
                if (status.Halt(entry.Partition, entry.Offset, epoch, reason))
                {
                    LogHalted(logger, entry.Partition, entry.Offset, info.SchemaVersion, Contracts.OrderEvent.CurrentSchemaVersion);
                }

                break;
        }
    }

    /// <summary>
    /// The per-message hot path: transcodes one message into <paramref name="batch"/>'s RowBinary and keeps the
    /// partition's books (offsets, watermark, trace links). Allocates nothing; a dead letter is left to the caller.
    /// </summary>
    internal static EnvelopeKind Apply(OrderBatch batch, RawBlock block, in RawEntry entry, out EnvelopeInfo info)
    {
        var value = block.Bytes(entry.Value);
        var row = batch.Rows.GetSpan(EnvelopeTranscoder.MaxRowLength(value.Length));
        EnvelopeTranscoder.Transcode(value, row, out info);
        if (info.Kind == EnvelopeKind.NewerSchema)
        {
            return info.Kind; // not consumed: the batch ends before it on this partition
        }

        ref var slice = ref batch.Slice(entry.Partition, entry.Offset, block.Ownership.EpochOf(entry.Partition));
        slice.LastOffset = entry.Offset;
        batch.MessageCount++;

        switch (info.Kind)
        {
            case EnvelopeKind.Order:
                batch.Rows.Advance(info.RowLength);
                batch.RowCount++;
                slice.ObserveEvent(info.CommitLsn, info.CommitTimeMs, info.SourceSystemId, info.SourceTimeline);
                if (info.TraceParentLength > 0 && batch.LinkCount < batch.Links.Length && SyncMetrics.TracingEnabled
                    && TraceParent.TryParse(value.Span.Slice(info.TraceParentOffset, info.TraceParentLength), out var context))
                {
                    batch.Links[batch.LinkCount++] = context;
                }

                break;
            case EnvelopeKind.Heartbeat:
                batch.HeartbeatCount++;
                slice.ObserveHeartbeat(info.CommitLsn, info.CommitTimeMs, info.SourceSystemId, info.SourceTimeline);
                batch.PartitionCount = Math.Max(batch.PartitionCount, info.PartitionCount);
                break;
        }

        return info.Kind;
    }

    private void DeadLetter(RawBlock block, in RawEntry entry, in EnvelopeInfo info)
    {
        var letter = new DeadLetter(
            entry.Partition,
            entry.Offset,
            entry.Key.IsNull ? null : block.Bytes(entry.Key).ToArray(),
            block.Bytes(entry.Value).ToArray(),
            info.Error,
            info.Field);
        letter.Delivery = deadLetters.PublishAsync(letter);
        _batch.DeadLetters.Add(letter);
        _batch.DeadLetterBytes += letter.Value.Length + (letter.Key?.Length ?? 0);
        metrics.DeadLettered(DeadLetterReasons.Name(info.Error));
        LogDeadLetter(logger, entry.Partition, entry.Offset, info.Error, info.Field);
    }

    /// <summary>Seals the batch only if the committer's queue has room right now.</summary>
    private bool TrySeal(FlushTrigger trigger)
    {
        _batch.Trigger = trigger;
        if (!output.TryWrite(_batch))
        {
            return false;
        }

        _batch = batches.Rent();
        return true;
    }

    private async ValueTask SealAsync(FlushTrigger trigger, CancellationToken cancellationToken)
    {
        var batch = _batch;
        batch.Trigger = trigger;
        _batch = batches.Rent();
        await output.WriteAsync(batch, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Partition {Partition} stopped before offset {Offset}: its envelope has SchemaVersion {Version}, newer than this worker's {Known}. Nothing after it is applied or committed and the watermark stays behind it; run a Sync.Worker that reads version {Version}")]
    private static partial void LogHalted(ILogger logger, int partition, long offset, long version, int known);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dead-lettering partition {Partition} offset {Offset}: {Reason} (field {Field})")]
    private static partial void LogDeadLetter(ILogger logger, int partition, long offset, DecodeError reason, int field);
}
