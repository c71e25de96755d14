using Microsoft.Extensions.Options;
using Npgsql;

namespace PolyglotAspire.OrdersApi.Data;

/// <summary>
/// Forgets idempotency keys older than <see cref="OrdersOptions.IdempotencyKeyRetention"/>, in small batches so a
/// purge never holds many row locks or bloats one transaction. Safe on every replica at once (deletes are idempotent).
/// </summary>
public sealed partial class IdempotencyKeyJanitor(
    OrderStore store, IOptions<OrdersOptions> options, TimeProvider time, ILogger<IdempotencyKeyJanitor> logger) : BackgroundService
{
    private const int BatchSize = 5000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.IdempotencyPurgeInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var before = time.GetUtcNow() - options.Value.IdempotencyKeyRetention;
                int purged, total = 0;
                do
                {
                    purged = await store.PurgeIdempotencyKeysAsync(before, BatchSize, stoppingToken);
                    total += purged;
                }
                while (purged == BatchSize);

                if (total > 0)
                {
                    LogPurged(logger, total);
                }
            }
            catch (NpgsqlException ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogPurgeFailed(logger, ex.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Purged {Count} expired idempotency keys")]
    private static partial void LogPurged(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Idempotency key purge failed ({Reason}); next attempt at the next interval")]
    private static partial void LogPurgeFailed(ILogger logger, string reason);
}
