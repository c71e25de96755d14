namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>A barrier through the pipeline: completes once every message consumed before it is inserted and committed.</summary>
internal sealed class FlushRequest
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Completion => _done.Task;

    public void Complete() => _done.TrySetResult();

    public void Abandon() => _done.TrySetCanceled();
}
