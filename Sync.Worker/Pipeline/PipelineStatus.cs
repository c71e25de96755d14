namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>
/// What the health check reports: whether the pipeline runs, is retrying an operation (since when, why), or has
/// faulted. Written by the stages, read by <c>/health</c>.
/// </summary>
internal sealed class PipelineStatus
{
    private readonly Lock _lock = new();
    private string? _retrying;
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

    public void Retrying(string operation, Exception cause, long timestamp)
    {
        lock (_lock)
        {
            if (_retrying is null)
            {
                _retryingSince = timestamp;
            }

            _retrying = $"{operation}: {cause.GetType().Name}: {cause.Message}";
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
        }
    }

    public (Exception? Fault, string? Retrying, long RetryingSince) Snapshot()
    {
        lock (_lock)
        {
            return (_fault, _retrying, _retryingSince);
        }
    }
}
