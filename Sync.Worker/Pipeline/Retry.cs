using PolyglotAspire.SyncWorker.Telemetry;

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

    public bool Running { get; private set; }

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

/// <summary>
/// Retries an operation until it succeeds or the token fires: exponential backoff with full jitter
/// (delay = random(0, min(max, initial × 2^attempt))), so many workers recovering together do not hammer a
/// ClickHouse that just came back. Nothing is ever dropped: the only way out is success or cancellation.
/// </summary>
internal sealed partial class RetryPolicy(TimeSpan initial, TimeSpan max, TimeProvider time, SyncMetrics metrics, PipelineStatus status, ILogger logger)
{
    public async Task ExecuteAsync(string operation, Func<CancellationToken, Task> action, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await action(cancellationToken);
                if (attempt > 0)
                {
                    LogRecovered(logger, operation, attempt);
                }

                status.Succeeded();
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var delay = Delay(attempt);
                status.Retrying(operation, ex, time.GetTimestamp());
                metrics.Retried(operation);
                if (attempt == 0 || logger.IsEnabled(LogLevel.Debug))
                {
                    LogRetry(logger, ex, operation, attempt + 1, delay.TotalMilliseconds);
                }

                await Task.Delay(delay, time, cancellationToken);
            }
        }
    }

    /// <summary>The delay before retry number <paramref name="attempt"/> + 1.</summary>
    public TimeSpan Delay(int attempt)
    {
        var ceiling = initial.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30));
        var capped = Math.Min(ceiling, max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(Math.Max(1, Random.Shared.NextDouble() * capped));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Operation} failed (attempt {Attempt}); retrying in {DelayMs:F0} ms until it succeeds")]
    private static partial void LogRetry(ILogger logger, Exception exception, string operation, int attempt, double delayMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Operation} succeeded after {Retries} retries")]
    private static partial void LogRecovered(ILogger logger, string operation, int retries);
}
