using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace PolyglotAspire.Analytics.Freshness;

/// <summary>
/// Admission control for the PostgreSQL fallback (issue 13 item 10): at most
/// <see cref="AnalyticsOptions.FallbackMaxConcurrency"/> fallback queries run at once; up to
/// <see cref="AnalyticsOptions.FallbackQueueLimit"/> more wait, oldest first, for
/// <see cref="AnalyticsOptions.FallbackQueueTimeoutMs"/>; everything beyond is refused with a
/// <see cref="ReadRejectedException"/> (503, <c>Retry-After</c>). So <c>maxStalenessMs=0</c> or a token from the
/// future cannot push analytics onto the OLTP primary faster than the cap allows — the noisy neighbour this system
/// exists to prevent. Also bounds the long-poll waits (<see cref="AnalyticsOptions.MaxConcurrentWaits"/>).
/// </summary>
public sealed class FallbackAdmission : IDisposable
{
    private readonly ConcurrencyLimiter _fallbacks;
    private readonly TimeSpan _queueTimeout;
    private readonly int _maxWaits;
    private readonly RoutingMetrics _metrics;
    private int _waits;

    public FallbackAdmission(IOptions<AnalyticsOptions> options, RoutingMetrics metrics)
    {
        var settings = options.Value;
        _fallbacks = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = settings.FallbackMaxConcurrency,
            QueueLimit = settings.FallbackQueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        _queueTimeout = TimeSpan.FromMilliseconds(settings.FallbackQueueTimeoutMs);
        _maxWaits = settings.MaxConcurrentWaits;
        _metrics = metrics;
    }

    /// <summary>Waits (bounded) for a fallback slot; dispose the result when the query is done.</summary>
    public async Task<IDisposable> EnterFallbackAsync(string reason, CancellationToken cancellationToken)
    {
        RateLimitLease lease;
        using (var queued = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            queued.CancelAfter(_queueTimeout);
            try
            {
                lease = await _fallbacks.AcquireAsync(1, queued.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                lease = new RefusedLease();
            }
        }

        if (!lease.IsAcquired)
        {
            lease.Dispose();
            _metrics.Fallback(reason, admitted: false);
            throw new ReadRejectedException("PostgreSQL fallback saturated",
                "ClickHouse is not fresh enough for this read and the PostgreSQL fallback is at capacity (it is capped to protect the " +
                "order database). Retry after the indicated delay, or ask with consistency=eventual (answered from ClickHouse, with asOf and lagMs).",
                TimeSpan.FromSeconds(1));
        }

        _metrics.Fallback(reason, admitted: true);
        _metrics.FallbackStarted();
        return new Admitted(lease, _metrics);
    }

    /// <summary>A long-poll wait slot, or null when <see cref="AnalyticsOptions.MaxConcurrentWaits"/> already wait.</summary>
    public IDisposable? TryEnterWait(string kind)
    {
        if (Interlocked.Increment(ref _waits) > _maxWaits)
        {
            Interlocked.Decrement(ref _waits);
            _metrics.WaitRefused(kind);
            return null;
        }

        return new WaitSlot(this);
    }

    public void Dispose() => _fallbacks.Dispose();

    private sealed class Admitted(RateLimitLease lease, RoutingMetrics metrics) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                metrics.FallbackEnded();
                lease.Dispose();
            }
        }
    }

    private sealed class WaitSlot(FallbackAdmission owner) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref owner._waits);
            }
        }
    }

    private sealed class RefusedLease : RateLimitLease
    {
        public override bool IsAcquired => false;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
