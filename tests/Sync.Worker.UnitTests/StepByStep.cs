using System.Collections.Concurrent;

namespace PolyglotAspire.SyncWorker.UnitTests;

/// <summary>
/// Runs a stage's async code one step at a time on the test's thread: every continuation it awaits is queued here
/// (its awaits capture this context), and <see cref="RunUntilIdle"/> runs them until none is left. When it returns,
/// the stage is provably waiting on something only the test controls — input, a gate, the fake clock — so "it did not
/// seal / commit" is a fact about the code, not about how fast the machine was: an absence check cannot pass merely
/// because the code had not run yet (the sleeps it replaces could). What the test controls must complete the stage's
/// waits synchronously — <see cref="StepChannel{T}"/> rather than <c>Channel</c>, task sources without
/// <c>RunContinuationsAsynchronously</c>, a fake clock, no cancellable token for the stage — because a completion
/// routed through the thread pool would arrive after "idle" was decided.
/// </summary>
internal sealed class StepByStep : SynchronizationContext
{
    private readonly ConcurrentQueue<(SendOrPostCallback Callback, object? State)> _queue = new();

    public override void Post(SendOrPostCallback d, object? state) => _queue.Enqueue((d, state));

    public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException("Only posted continuations run step by step.");

    /// <summary>Starts <paramref name="body"/> here: it runs until its first await on something not done, then stops.</summary>
    public Task Start(Func<Task> body)
    {
        var previous = Current;
        SetSynchronizationContext(this);
        try
        {
            return body();
        }
        finally
        {
            SetSynchronizationContext(previous);
        }
    }

    /// <summary>Runs every queued continuation, and those they queue, until nothing is left to run.</summary>
    public void RunUntilIdle()
    {
        var previous = Current;
        SetSynchronizationContext(this);
        try
        {
            for (var steps = 0; _queue.TryDequeue(out var work); steps++)
            {
                Assert.True(steps < 1_000_000, "The stage never goes idle.");
                work.Callback(work.State);
            }
        }
        finally
        {
            SetSynchronizationContext(previous);
        }
    }

    /// <summary>
    /// Runs continuations until <paramref name="task"/> completes (bounded), also those posted from other threads —
    /// such as a cancellation's callbacks. For endings only: an absence check must use <see cref="RunUntilIdle"/>.
    /// </summary>
    public async Task RunUntilCompletedAsync(Task task)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!task.IsCompleted)
        {
            RunUntilIdle();
            Assert.False(timeout.IsCancellationRequested, "The stage did not finish.");
            await Task.Delay(1, CancellationToken.None);
        }

        RunUntilIdle();
    }
}
