using System.Threading.Channels;

namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>
/// The consume loop's end of the block channel: the block being filled (the deserializer copies into it) and, in
/// order behind it, the blocks sealed but not yet accepted by the bounded channel. Delivering never blocks unless
/// asked to, and then only until a deadline: the consume thread must get back to polling Kafka. Used on the consume
/// thread only (the rebalance callbacks run there too, inside <c>Consume</c>).
/// </summary>
internal sealed class BlockHandOff(
    ChannelWriter<RawBlock> output,
    RawBlockPool blocks,
    PartitionOwnership ownership,
    RawBlockDeserializer deserializer,
    TimeProvider time)
{
    /// <summary>How long one wait for room lasts before the deadline and the abandon token are looked at again.</summary>
    public static readonly TimeSpan WaitSlice = TimeSpan.FromMilliseconds(50);

    private readonly Queue<RawBlock> _pending = new();

    /// <summary>The block being filled, under the partition ownership current when it was started.</summary>
    public RawBlock Current { get; private set; } = null!;

    /// <summary>Starts the first block (on the consume thread, before the first <c>Consume</c>).</summary>
    public void Open() => Current = NewBlock();

    /// <summary>Queues the current block behind the pending ones, if it holds anything, and starts a new one.</summary>
    public void Seal()
    {
        if (Current.Count > 0)
        {
            _pending.Enqueue(Current);
            Current = NewBlock();
        }
    }

    /// <summary>Queues a control block carrying <paramref name="barrier"/> (no messages) behind the pending ones.</summary>
    public void Enqueue(FlushRequest barrier)
    {
        var control = blocks.Rent();
        control.Flush = barrier;
        _pending.Enqueue(control);
    }

    /// <summary>Hands over as many pending blocks as the channel takes right now; true when none is left.</summary>
    public bool TryDeliver()
    {
        while (_pending.TryPeek(out var block))
        {
            if (!output.TryWrite(block))
            {
                return false;
            }

            _pending.Dequeue();
        }

        return true;
    }

    /// <summary>
    /// Blocks (without polling: used inside callbacks and at shutdown) until everything pending is handed over; false
    /// at <paramref name="deadline"/>, on <paramref name="abandon"/>, or when the channel was completed.
    /// </summary>
    public bool DeliverBefore(DateTimeOffset deadline, CancellationToken abandon)
    {
        while (!TryDeliver())
        {
            var left = deadline - time.GetUtcNow();
            if (left <= TimeSpan.Zero || abandon.IsCancellationRequested)
            {
                return false;
            }

            try
            {
                // The wait itself observes abandon: its cancellation surfaces as the AggregateException below.
                var writable = output.WaitToWriteAsync(abandon).AsTask();
                if (writable.Wait(left < WaitSlice ? left : WaitSlice, CancellationToken.None) && !writable.Result)
                {
                    return false; // the channel was completed: a later stage failed
                }
            }
            catch (AggregateException)
            {
                return false; // abandoned
            }
        }

        return true;
    }

    /// <summary>Gives up the pending blocks (back to the pool): they are never committed, so they are consumed again.</summary>
    public void DropPending()
    {
        while (_pending.TryDequeue(out var block))
        {
            blocks.Return(block);
        }
    }

    /// <summary>No more blocks: the batcher drains what it has, or learns of <paramref name="error"/>.</summary>
    public void Complete(Exception? error = null) => output.TryComplete(error);

    private RawBlock NewBlock()
    {
        var block = blocks.Rent();
        block.Ownership = ownership.Current;
        deserializer.Target = block;
        return block;
    }
}
