namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>What the health check sees at one moment.</summary>
internal readonly record struct PipelineSnapshot(Exception? Fault, string? Retrying, long RetryingSince, string? Permanent, string? Halted = null);

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

    // Partitions stopped before a message this build cannot read (contracts.md §3): partition → where, in which epoch, why.
    private readonly SortedDictionary<int, (long Offset, int Epoch, string Reason)> _halts = [];
    private volatile int _haltCount;

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

    /// <summary>
    /// Stops <paramref name="partition"/> before <paramref name="offset"/> for the rest of its ownership
    /// <paramref name="epoch"/>; returns true the first time (to log it once).
    /// </summary>
    public bool Halt(int partition, long offset, int epoch, string reason)
    {
        lock (_lock)
        {
            var first = !_halts.TryGetValue(partition, out var known) || known.Epoch != epoch;
            _halts[partition] = (offset, epoch, reason);
            _haltCount = _halts.Count;
            return first;
        }
    }

    /// <summary>Whether <paramref name="partition"/> is stopped in <paramref name="epoch"/>. Per message: free while nothing is.</summary>
    public bool IsHalted(int partition, int epoch)
    {
        if (_haltCount == 0)
        {
            return false;
        }

        lock (_lock)
        {
            return _halts.TryGetValue(partition, out var halt) && halt.Epoch == epoch;
        }
    }

    /// <summary>
    /// Forgets the stops of partitions no longer owned in the epoch they stopped in: their next owner (this worker
    /// again, from the committed offset, or another) meets the message again and stops there itself.
    /// </summary>
    public void KeepHalts(OwnershipSnapshot ownership)
    {
        if (_haltCount == 0)
        {
            return;
        }

        lock (_lock)
        {
            foreach (var (partition, halt) in _halts.ToList())
            {
                if (ownership.EpochOf(partition) != halt.Epoch)
                {
                    _halts.Remove(partition);
                }
            }

            _haltCount = _halts.Count;
        }
    }

    public PipelineSnapshot Snapshot()
    {
        lock (_lock)
        {
            var halted = _halts.Count == 0
                ? null
                : string.Join("; ", _halts.Select(h => $"partition {h.Key} stopped before offset {h.Value.Offset}: {h.Value.Reason}"));
            return new PipelineSnapshot(_fault, _retrying, _retryingSince, _permanent, halted);
        }
    }
}
