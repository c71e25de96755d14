namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>What the health check sees at one moment.</summary>
internal readonly record struct PipelineSnapshot(Exception? Fault, string? Retrying, long RetryingSince, string? Permanent);

/// <summary>
/// What the health check reports: whether the pipeline runs, is retrying an operation (since when, why, and whether
/// the cause needs an operator — <see cref="FailureClassifier"/>), or has faulted. Written by the stages, read by
/// <c>/health</c>. The retry streak lasts until an operation succeeds: a failure of another kind does not restart it.
/// </summary>
internal sealed class PipelineStatus
{
    private readonly Lock _lock = new();
    private string? _retrying;
    private string? _permanent;
    private long _retryingSince;
    private Exception? _fault;
    private string? _migrating;

    public bool Running { get; private set; }

    /// <summary>What the schema migration is doing before the pipeline starts; null when it is not migrating.</summary>
    public string? Migrating => Volatile.Read(ref _migrating);

    public void Migration(string? step) => Volatile.Write(ref _migrating, step);

    public void Started() => Running = true;

    public void Stopped() => Running = false;

    public void Faulted(Exception exception)
    {
        lock (_lock)
        {
            _fault = exception;
            Running = false;
        }
    }

    /// <summary>Records a failed attempt; returns true when it is the first permanent one of the streak (to log it once).</summary>
    public bool Retrying(string operation, Exception cause, long timestamp)
    {
        var permanent = FailureClassifier.PermanentReason(cause);
        lock (_lock)
        {
            if (_retrying is null)
            {
                _retryingSince = timestamp;
            }

            _retrying = $"{operation}: {cause.GetType().Name}: {cause.Message}";
            var first = permanent is not null && _permanent is null;
            _permanent = permanent;
            return first;
        }
    }

    public void Succeeded()
    {
        if (Volatile.Read(ref _retrying) is null)
        {
            return;
        }

        lock (_lock)
        {
            _retrying = null;
            _permanent = null;
        }
    }

    public PipelineSnapshot Snapshot()
    {
        lock (_lock)
        {
            return new PipelineSnapshot(_fault, _retrying, _retryingSince, _permanent);
        }
    }
}
