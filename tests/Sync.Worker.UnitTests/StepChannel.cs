using System.Threading.Channels;

namespace PolyglotAspire.SyncWorker.UnitTests;

/// <summary>
/// A channel for <see cref="StepByStep"/> tests: the same reader and writer API as <see cref="Channel"/>, but whatever
/// the test does (write, read, complete) completes the stage's waits synchronously, so their continuations are in the
/// step queue the moment the call returns. (<see cref="Channel"/> hands some of them to the thread pool — a waiting
/// writer of a bounded channel, any waiter with a cancellable token — where "idle" cannot see them coming.) One
/// thread at a time: the test's, which also runs the steps.
/// </summary>
internal sealed class StepChannel<T>
{
    private readonly Queue<T> _items = new();
    private readonly int _capacity;
    private readonly TaskCompletionSource _completion = new();
    private TaskCompletionSource<bool>? _readable;
    private TaskCompletionSource<bool>? _writable;
    private bool _completed;

    public StepChannel(int capacity = int.MaxValue)
    {
        _capacity = capacity;
        Reader = new StepReader(this);
        Writer = new StepWriter(this);
    }

    public ChannelReader<T> Reader { get; }

    public ChannelWriter<T> Writer { get; }

    private static ValueTask<bool> Wait(ref TaskCompletionSource<bool>? waiter, CancellationToken cancellationToken)
    {
        waiter ??= new TaskCompletionSource<bool>(); // synchronous continuations, on purpose
        if (cancellationToken.CanBeCanceled)
        {
            var captured = waiter;
            cancellationToken.Register(() => captured.TrySetCanceled(cancellationToken));
        }

        return new ValueTask<bool>(waiter.Task);
    }

    private static void Wake(ref TaskCompletionSource<bool>? waiter, bool result)
    {
        var woken = waiter;
        waiter = null;
        woken?.TrySetResult(result);
    }

    private sealed class StepReader(StepChannel<T> channel) : ChannelReader<T>
    {
        public override bool CanCount => true;

        public override int Count => channel._items.Count;

        public override Task Completion => channel._completion.Task;

        public override bool TryRead(out T item)
        {
            if (!channel._items.TryDequeue(out item!))
            {
                return false;
            }

            Wake(ref channel._writable, true);
            if (channel._completed && channel._items.Count == 0)
            {
                channel._completion.TrySetResult();
            }

            return true;
        }

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) =>
            channel._items.Count > 0 ? new ValueTask<bool>(true)
            : channel._completed ? new ValueTask<bool>(false)
            : Wait(ref channel._readable, cancellationToken);
    }

    private sealed class StepWriter(StepChannel<T> channel) : ChannelWriter<T>
    {
        public override bool TryWrite(T item)
        {
            if (channel._completed || channel._items.Count >= channel._capacity)
            {
                return false;
            }

            channel._items.Enqueue(item);
            Wake(ref channel._readable, true);
            return true;
        }

        public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default) =>
            channel._completed ? new ValueTask<bool>(false)
            : channel._items.Count < channel._capacity ? new ValueTask<bool>(true)
            : Wait(ref channel._writable, cancellationToken);

        public override bool TryComplete(Exception? error = null)
        {
            if (channel._completed)
            {
                return false;
            }

            channel._completed = true;
            Wake(ref channel._readable, false);
            Wake(ref channel._writable, false);
            if (channel._items.Count == 0)
            {
                channel._completion.TrySetResult();
            }

            return true;
        }
    }
}
