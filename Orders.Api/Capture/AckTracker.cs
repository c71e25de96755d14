using System.Collections.Concurrent;

namespace PolyglotAspire.OrdersApi.Capture;

/// <summary>
/// A position in the WAL the slot may be confirmed to once all of its messages are acknowledged by Kafka: a
/// transaction (its commit end LSN, one message per outbox row) or a heartbeat (its message LSN, one message per partition).
/// </summary>
internal sealed class Checkpoint(ulong lsn, long commitTimeMs, int messages)
{
    private int _remaining = messages;
    private int _failed;

    public ulong Lsn { get; } = lsn;
    public long CommitTimeMs { get; } = commitTimeMs;
    public bool IsComplete => Volatile.Read(ref _remaining) == 0 && Volatile.Read(ref _failed) == 0;

    internal bool Acknowledge() => Interlocked.Decrement(ref _remaining) == 0;

    internal void Fail() => Volatile.Write(ref _failed, 1);
}

/// <summary>
/// Tracks what was produced to Kafka and what Kafka acknowledged, for one replication session. Acknowledgements
/// arrive out of order across partitions; the confirmable position only ever advances over a contiguous prefix of
/// fully acknowledged checkpoints (in WAL order), so the slot never moves past an event Kafka has not taken.
/// Also bounds the number of unacknowledged messages (backpressure) and tells when none is left (heartbeats wait
/// for that, contracts §2). A message is in flight from the moment it is handed to the producer
/// (<see cref="Sending"/>) until Kafka answers it — not from when its checkpoint is registered: a transaction with
/// more rows than the limit then goes out as the earlier ones are acknowledged instead of waiting for acknowledgements
/// of messages never produced. Thread-safe: one producing thread, acknowledgements from librdkafka's thread, one confirmer.
/// </summary>
internal sealed class AckTracker(int maxInFlight, TimeProvider time)
{
    private readonly ConcurrentQueue<Checkpoint> _checkpoints = new();
    private readonly Lock _gate = new();
    private readonly Lock _advanceGate = new();
    private readonly TaskCompletionSource _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _inFlight;
    private long _lastProgressTicks = time.GetTimestamp();
    private TaskCompletionSource? _drained;
    private TaskCompletionSource? _capacity;

    public long InFlight => Interlocked.Read(ref _inFlight);

    /// <summary>Completes (faulted) at the first message Kafka refused: the session must stop and restart from the slot.</summary>
    public Task Failed => _failed.Task;

    /// <summary>The highest confirmable position so far, and its commit time (0 until something completes).</summary>
    public ulong ConfirmedLsn { get; private set; }

    public long ConfirmedCommitTimeMs { get; private set; }

    /// <summary>Time since the last acknowledgement, or since messages started waiting (zero when none waits).</summary>
    public TimeSpan WaitingFor => InFlight == 0 ? TimeSpan.Zero : time.GetElapsedTime(Interlocked.Read(ref _lastProgressTicks));

    /// <summary>
    /// Registers a checkpoint (in WAL order) that completes after <paramref name="messages"/> acknowledgements. Its
    /// messages count as in flight only once each is handed to the producer (<see cref="Sending"/>).
    /// </summary>
    public Checkpoint Add(ulong lsn, long commitTimeMs, int messages)
    {
        var checkpoint = new Checkpoint(lsn, commitTimeMs, messages);
        _checkpoints.Enqueue(checkpoint);
        return checkpoint;
    }

    /// <summary>A message is being handed to the producer: it is in flight until Kafka answers it (or <see cref="Withdrawn"/>).</summary>
    public void Sending()
    {
        lock (_gate)
        {
            if (_inFlight == 0)
            {
                Interlocked.Exchange(ref _lastProgressTicks, time.GetTimestamp());
            }

            _inFlight++;
        }
    }

    /// <summary>The producer did not take the message after all (its local queue was full, or it threw): not in flight.</summary>
    public void Withdrawn() => Release();

    /// <summary>One message of <paramref name="checkpoint"/> was acknowledged (persisted) by Kafka.</summary>
    public void Acknowledged(Checkpoint checkpoint)
    {
        checkpoint.Acknowledge();
        Interlocked.Exchange(ref _lastProgressTicks, time.GetTimestamp());
        Release();
    }

    /// <summary>One message of <paramref name="checkpoint"/> could not be delivered: its checkpoint never completes.</summary>
    public void Refused(Checkpoint checkpoint, Exception reason)
    {
        checkpoint.Fail();
        _failed.TrySetException(reason);
        Release();
    }

    /// <summary>Completes when fewer than the allowed number of messages wait for acknowledgement.</summary>
    public Task WhenCapacityAsync()
    {
        lock (_gate)
        {
            if (_inFlight < maxInFlight)
            {
                return Task.CompletedTask;
            }

            _capacity ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _capacity.Task;
        }
    }

    /// <summary>Completes when every message produced so far has been acknowledged or refused.</summary>
    public Task WhenDrainedAsync()
    {
        lock (_gate)
        {
            if (_inFlight == 0)
            {
                return Task.CompletedTask;
            }

            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _drained.Task;
        }
    }

    /// <summary>Moves the confirmable position over every leading checkpoint that is complete. Returns whether it moved.</summary>
    public bool TryAdvance()
    {
        lock (_advanceGate)
        {
            var moved = false;
            while (_checkpoints.TryPeek(out var head) && head.IsComplete)
            {
                _checkpoints.TryDequeue(out _);
                if (head.Lsn > ConfirmedLsn)
                {
                    ConfirmedLsn = head.Lsn;
                    ConfirmedCommitTimeMs = Math.Max(ConfirmedCommitTimeMs, head.CommitTimeMs);
                    moved = true;
                }
            }

            return moved;
        }
    }

    private void Release()
    {
        TaskCompletionSource? drained = null, capacity = null;
        lock (_gate)
        {
            if (_inFlight == 0)
            {
                throw new InvalidOperationException("An answer from Kafka for a message that was never produced.");
            }

            _inFlight--;
            if (_inFlight == 0)
            {
                (drained, _drained) = (_drained, null);
            }

            if (_inFlight < maxInFlight)
            {
                (capacity, _capacity) = (_capacity, null);
            }
        }

        drained?.TrySetResult();
        capacity?.TrySetResult();
    }
}
