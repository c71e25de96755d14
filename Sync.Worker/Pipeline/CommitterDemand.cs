namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>
/// Whether the committer would start an insert right now (the other half of group commit). The batcher seals a
/// batch below its size limits only then: a batch sealed while the committer is busy would wait a whole insert in
/// the queue, where it can no longer take the rows arriving meanwhile; kept open, it takes them and goes the moment
/// the committer is free (measured: one insert cycle less per row at steady rates, perf <c>freshness</c>).
/// Set by the committer, read by the batcher; thread-safe.
/// </summary>
/// <param name="synchronousContinuations">
/// Tests that run a stage step by step only: the waiting batcher then resumes on the committer's thread. In the
/// pipeline it resumes on its own, so the committer never runs the batcher's decoding.
/// </param>
internal sealed class CommitterDemand(bool synchronousContinuations = false)
{
    private readonly Lock _lock = new();

    /// <summary>Null while the committer waits for a batch; else what completes when it does again.</summary>
    private TaskCompletionSource? _busy;

    /// <summary>The committer waits for a batch (it starts so).</summary>
    public bool IsReady
    {
        get
        {
            lock (_lock)
            {
                return _busy is null;
            }
        }
    }

    /// <summary>Called by the committer whenever its room for one more insert changes.</summary>
    public void Set(bool ready)
    {
        TaskCompletionSource? finished;
        lock (_lock)
        {
            if (!ready)
            {
                _busy ??= new TaskCompletionSource(synchronousContinuations ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously);
                return;
            }

            finished = _busy;
            _busy = null;
        }

        finished?.TrySetResult(); // outside the lock: a synchronous continuation must not run under it
    }

    /// <summary>Completes once the committer waits for a batch (at once if it does now).</summary>
    public Task WhenReadyAsync(CancellationToken cancellationToken)
    {
        Task ready;
        lock (_lock)
        {
            ready = _busy?.Task ?? Task.CompletedTask;
        }

        return ready.WaitAsync(cancellationToken);
    }
}
