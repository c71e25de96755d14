using PolyglotAspire.SyncWorker.Telemetry;

namespace PolyglotAspire.SyncWorker.Pipeline;

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
                if (status.Retrying(operation, ex, time.GetTimestamp()))
                {
                    LogPermanent(logger, ex, operation, FailureClassifier.PermanentReason(ex));
                }

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

    [LoggerMessage(Level = LogLevel.Error, Message = "{Operation} fails for a reason that needs an operator ({Reason}); /health is Unhealthy, and the worker keeps retrying (nothing is dropped) until it is fixed")]
    private static partial void LogPermanent(ILogger logger, Exception exception, string operation, string? reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Operation} succeeded after {Retries} retries")]
    private static partial void LogRecovered(ILogger logger, string operation, int retries);
}
