using System.Threading.Channels;
using Confluent.Kafka;
using PolyglotAspire.SyncWorker.Telemetry;

namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>
/// The Kafka stage, on a dedicated thread (<c>Consume</c> blocks; a thread-pool thread would be held hostage).
/// Copies messages into <see cref="RawBlock"/>s and hands each block to a bounded channel. When the channel is
/// full it does not block inside Kafka's poll contract: it pauses every assigned partition and keeps polling
/// (serving rebalances and staying well inside <c>max.poll.interval.ms</c>) until the block is accepted, then
/// resumes — librdkafka re-fetches from the consumed position, so nothing is lost or skipped.
/// <para>
/// Offsets are never stored or committed here (the committer does it after ClickHouse has the rows). On a
/// revocation the loop hands over everything consumed so far plus a barrier and waits (bounded) until the
/// committer has written and committed it; if that does not happen in time (ClickHouse down), the partitions are
/// given up without a commit — their new owner re-reads them from the last commit, and duplicates collapse by
/// version. Nothing consumed from a partition that stays owned is ever dropped.
/// </para>
/// </summary>
internal sealed partial class KafkaConsumeLoop : IRebalanceListener
{
    private static readonly TimeSpan BackpressurePoll = BlockHandOff.WaitSlice;
    private static readonly TimeSpan LagInterval = TimeSpan.FromSeconds(1);

    private readonly IConsumer<RawRef, RawRef> _consumer;
    private readonly BlockHandOff _handOff;
    private readonly PartitionOwnership _ownership;
    private readonly OperatorPause _operatorPause;
    private readonly ConsumeLoopSettings _settings;
    private readonly TimeProvider _time;
    private readonly SyncMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private bool _paused;
    private volatile bool _closed;
    private long _lastLagReport;
    private CancellationToken _stop;
    private CancellationToken _abandon;
    private Task _drained = Task.CompletedTask;
    private TimeSpan _drainTimeout;

    public KafkaConsumeLoop(
        IConsumer<RawRef, RawRef> consumer,
        ConsumerCallbacks callbacks,
        ChannelWriter<RawBlock> output,
        RawBlockPool blocks,
        PartitionOwnership ownership,
        SyncControl control,
        ConsumeLoopSettings settings,
        TimeProvider time,
        SyncMetrics metrics,
        ILogger logger)
    {
        _consumer = consumer;
        _handOff = new BlockHandOff(output, blocks, ownership, callbacks.Deserializer, time);
        _ownership = ownership;
        _operatorPause = new OperatorPause(consumer, control, logger);
        _settings = settings;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        callbacks.Listener = this;
    }

    /// <summary>Completes once the loop has drained, the consumer has left the group, and the thread ends.</summary>
    public Task Completion => _completion.Task;

    /// <summary>
    /// Starts the thread. <paramref name="stop"/>: stop consuming and drain. <paramref name="drained"/>: the rest of
    /// the pipeline, awaited (at most <paramref name="drainTimeout"/>) before leaving the group.
    /// <paramref name="abandon"/>: the pipeline gave up; blocks not yet handed over are dropped (never committed).
    /// </summary>
    public void Start(Task drained, TimeSpan drainTimeout, CancellationToken abandon, CancellationToken stop)
    {
        _stop = stop;
        _abandon = abandon;
        _drained = drained;
        _drainTimeout = drainTimeout;
        var thread = new Thread(Run) { IsBackground = true, Name = "sync-kafka-consume" };
        thread.Start();
    }

    private void Run()
    {
        try
        {
            _handOff.Open();
            _consumer.Subscribe(_settings.Topic);
            LogSubscribed(_logger, _settings.Topic, _consumer.Name);
            while (!_stop.IsCancellationRequested)
            {
                if (_operatorPause.Requested)
                {
                    if (_operatorPause.PauseRequested && _handOff.Current.Count > 0)
                    {
                        Hand(); // what was consumed before the pause is written and committed as usual
                    }

                    _operatorPause.Apply(backpressure: _paused);
                }

                var result = Poll(_handOff.Current.Count > 0 ? TimeSpan.Zero : _settings.PollTimeout);
                if (result is null)
                {
                    if (_handOff.Current.Count > 0)
                    {
                        Hand(); // nothing more right now: do not hold a partial block back
                    }

                    ReportLagIfDue();
                    continue;
                }

                Append(result);
                if (_operatorPause.Active)
                {
                    _operatorPause.PauseAssignment(); // a partition assigned during the operator's pause: kept, and paused too
                }

                if (_handOff.Current.IsFull(_settings.BlockArenaReserve) || _handOff.Current.Count >= _settings.BlockMessages)
                {
                    Hand();
                }
            }

            Drain();
            _completion.TrySetResult();
        }
        catch (Exception ex)
        {
            LogLoopFailed(_logger, ex);
            _handOff.Complete(ex);
            _closed = true;
            try
            {
                _consumer.Close();
            }
            catch (Exception closeError) when (closeError is KafkaException or InvalidOperationException or ObjectDisposedException)
            {
                // Leaving the group is best effort once the loop has failed.
            }

            _completion.TrySetException(ex);
        }
    }

    private void Append(ConsumeResult<RawRef, RawRef> result) =>
        _handOff.Current.Add(result.Partition.Value, result.Offset.Value, result.Message.Key, result.Message.Value, _time.GetTimestamp());

    private ConsumeResult<RawRef, RawRef>? Poll(TimeSpan timeout)
    {
        try
        {
            var result = _consumer.Consume(timeout);
            return result is { IsPartitionEOF: false } ? result : null;
        }
        catch (ConsumeException ex) when (!ex.Error.IsFatal)
        {
            // A per-message broker error (e.g. corrupt record): librdkafka has moved past it; nothing to commit for it.
            LogConsumeError(_logger, ex, ex.Error.Code, ex.ConsumerRecord?.Partition.Value ?? -1, ex.ConsumerRecord?.Offset.Value ?? -1);
            return null;
        }
    }

    /// <summary>
    /// Hands the current block over (or queues it behind earlier ones). A full pipeline is normal flow control while
    /// draining a backlog: the loop first simply waits for room (up to <see cref="ConsumeLoopSettings.PauseAfter"/>,
    /// far below <c>max.poll.interval.ms</c>; librdkafka's prefetch is bounded by its own queue limits). Only a
    /// longer stall (ClickHouse down) pauses the partitions and switches to polling: pausing makes librdkafka drop
    /// its prefetched messages and fetch them again on resume, which is cheap once, wasteful many times a second.
    /// </summary>
    private void Hand()
    {
        _handOff.Seal();
        ReportLagIfDue();
        if (_handOff.TryDeliver() || _handOff.DeliverBefore(_time.GetUtcNow() + _settings.PauseAfter, _abandon))
        {
            return;
        }

        Pause();
        while (!_handOff.TryDeliver())
        {
            if (_abandon.IsCancellationRequested)
            {
                _handOff.DropPending();
                break;
            }

            // Keep polling while paused: rebalance callbacks run here, and max.poll.interval.ms stays satisfied.
            var result = Poll(BackpressurePoll);
            if (result is not null)
            {
                // A partition assigned during the pause was not paused yet: keep its message, pause it too.
                Append(result);
                Pause();
            }
        }

        Resume();
    }

    private void Pause()
    {
        var assignment = _consumer.Assignment;
        if (assignment.Count > 0)
        {
            _consumer.Pause(assignment);
        }

        if (!_paused)
        {
            _paused = true;
            _metrics.Paused();
            LogPaused(_logger, assignment.Count);
        }
    }

    private void Resume()
    {
        if (!_paused)
        {
            return;
        }

        _paused = false;
        var assignment = _consumer.Assignment;
        if (assignment.Count > 0 && !_operatorPause.Active)
        {
            _consumer.Resume(assignment);
        }

        LogResumed(_logger);
    }

    /// <summary>Stop requested: hand over what was consumed, close the channel, wait for the pipeline, leave the group.</summary>
    private void Drain()
    {
        var deadline = _time.GetUtcNow() + _drainTimeout;
        _handOff.Seal();
        if (!_handOff.DeliverBefore(deadline, _abandon))
        {
            _handOff.DropPending(); // never committed: they are consumed again after the restart
        }

        _handOff.Complete();
        _closed = true;
        var left = deadline - _time.GetUtcNow();
        try
        {
            _drained.Wait(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        }
        catch (AggregateException)
        {
            // The pipeline reports its own failure.
        }

        _consumer.Close(); // leaves the group: the revocation callback runs with the pipeline already closed
        LogClosed(_logger);
    }

    private void ReportLagIfDue()
    {
        var now = _time.GetTimestamp();
        if (_time.GetElapsedTime(_lastLagReport, now) < LagInterval)
        {
            return;
        }

        _lastLagReport = now;
        foreach (var partition in _consumer.Assignment)
        {
            var end = _consumer.GetWatermarkOffsets(partition).High;
            if (end != Offset.Unset)
            {
                _metrics.PartitionEnd(partition.Partition.Value, end.Value);
            }
        }
    }

    public void OnAssigned(IReadOnlyList<TopicPartition> partitions)
    {
        var ids = partitions.Select(p => p.Partition.Value).ToList();
        _ownership.Assign(ids);
        // Entries already in the current block belong to partitions whose epochs did not change.
        _handOff.Current.Ownership = _ownership.Current;
        LogAssigned(_logger, ids);
    }

    public void OnRevoked(IReadOnlyList<TopicPartitionOffset> partitions)
    {
        var ids = partitions.Select(p => p.Partition.Value).ToList();
        if (_closed || ids.Count == 0)
        {
            Revoke(ids);
            return;
        }

        // Everything consumed so far, then a barrier; wait (bounded) until it is in ClickHouse and committed.
        var deadline = _time.GetUtcNow() + _settings.RevocationFlushTimeout;
        _handOff.Seal();
        var barrier = new FlushRequest();
        _handOff.Enqueue(barrier);
        var flushed = false;
        if (_handOff.DeliverBefore(deadline, _abandon))
        {
            var left = deadline - _time.GetUtcNow();
            try
            {
                flushed = left > TimeSpan.Zero && barrier.Completion.Wait(left);
            }
            catch (AggregateException)
            {
                flushed = false;
            }
        }

        Revoke(ids);
        if (flushed)
        {
            LogRevokedFlushed(_logger, ids);
        }
        else
        {
            // Whatever is still in the pipeline for these partitions will be written but never committed.
            LogRevokedAbandoned(_logger, ids, _settings.RevocationFlushTimeout.TotalSeconds);
        }
    }

    public void OnLost(IReadOnlyList<TopicPartitionOffset> partitions)
    {
        var ids = partitions.Select(p => p.Partition.Value).ToList();
        Revoke(ids);
        LogLost(_logger, ids);
    }

    private void Revoke(List<int> partitions)
    {
        _ownership.Revoke(partitions);
        if (_handOff.Current.Count == 0)
        {
            _handOff.Current.Ownership = _ownership.Current;
        }

        foreach (var p in partitions)
        {
            _metrics.Forget(p);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Subscribed to {Topic} as {Consumer}")]
    private static partial void LogSubscribed(ILogger logger, string topic, string consumer);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partitions assigned: {Partitions}")]
    private static partial void LogAssigned(ILogger logger, IEnumerable<int> partitions);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partitions revoked after flushing and committing: {Partitions}")]
    private static partial void LogRevokedFlushed(ILogger logger, IEnumerable<int> partitions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partitions revoked without a final commit (not flushed within {Seconds} s): {Partitions}; their new owner re-reads them from the last commit")]
    private static partial void LogRevokedAbandoned(ILogger logger, IEnumerable<int> partitions, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partitions lost (no commit possible): {Partitions}")]
    private static partial void LogLost(ILogger logger, IEnumerable<int> partitions);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pipeline full: paused {Count} partitions")]
    private static partial void LogPaused(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pipeline accepting again: partitions resumed")]
    private static partial void LogResumed(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consume error {Code} at partition {Partition} offset {Offset}")]
    private static partial void LogConsumeError(ILogger logger, Exception exception, ErrorCode code, int partition, long offset);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The Kafka consume loop failed")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Drained and left the consumer group")]
    private static partial void LogClosed(ILogger logger);
}
