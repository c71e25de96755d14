using ClickHouse.Driver;
using Microsoft.Extensions.Options;
using Npgsql;
using PolyglotAspire.SyncWorker.ClickHouse;
using PolyglotAspire.SyncWorker.Telemetry;

namespace PolyglotAspire.SyncWorker.Backfill;

/// <summary>
/// Starts backfills (one at a time in this process) in the background and says how the last one went. A run outlives
/// the request that started it and stops with the process; a run stopped part-way leaves nothing that a later run
/// does not make exact (<see cref="BackfillRunner"/>), so the way on after a crash is to start one again.
/// </summary>
internal sealed partial class BackfillService(
    IServiceProvider services,
    IClickHouseClient client,
    IClickHouseSink sink,
    IOptions<SyncWorkerOptions> options,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    SyncMetrics metrics,
    ILogger<BackfillService> logger)
{
    /// <summary>The connection name of PostgreSQL (<c>ordersdb</c>), as the AppHost references it.</summary>
    public const string ConnectionName = "ordersdb";

    private readonly Lock _lock = new();
    private BackfillProgress? _last;

    public enum StartOutcome
    {
        Started,
        AlreadyRunning,
        NoSource,
    }

    public BackfillStatus Status
    {
        get
        {
            lock (_lock)
            {
                return _last?.Status() ?? BackfillStatus.Never;
            }
        }
    }

    public StartOutcome TryStart(BackfillRequest request, out BackfillStatus status)
    {
        var source = services.GetService<NpgsqlDataSource>();
        var connectionString = services.GetRequiredService<IConfiguration>().GetConnectionString(ConnectionName);
        BackfillProgress progress;
        lock (_lock)
        {
            if (_last is { Running: true })
            {
                status = _last.Status();
                return StartOutcome.AlreadyRunning;
            }

            if (source is null || string.IsNullOrEmpty(connectionString))
            {
                status = Status;
                return StartOutcome.NoSource;
            }

            _last = progress = new BackfillProgress(request, time.GetUtcNow());
        }

        var runner = new BackfillRunner(source, connectionString, client, sink, options.Value, time, metrics, logger);
        _ = Task.Run(async () =>
        {
            try
            {
                await runner.RunAsync(request, progress, lifetime.ApplicationStopping);
                progress.Finish(time.GetUtcNow(), null);
            }
            catch (Exception ex)
            {
                LogFailed(logger, ex);
                progress.Finish(time.GetUtcNow(), lifetime.ApplicationStopping.IsCancellationRequested
                    ? "stopped with the process; start it again"
                    : $"{ex.GetType().Name}: {ex.Message}");
            }
        }, CancellationToken.None);
        status = progress.Status();
        return StartOutcome.Started;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Backfill failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
