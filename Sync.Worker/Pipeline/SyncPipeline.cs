using System.Threading.Channels;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using PolyglotAspire.SyncWorker.ClickHouse;
using PolyglotAspire.SyncWorker.Schema;
using PolyglotAspire.SyncWorker.Telemetry;

namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>
/// Runs the pipeline: migrates the ClickHouse schema to this build's version (retrying until ClickHouse answers and
/// every migration is applied), then starts the three
/// stages — consume loop (own thread) → block channel → batcher → batch channel → committer — and supervises them.
/// On shutdown the consume loop stops polling and the rest drains (insert, sync_state, commit) for up to
/// <see cref="SyncWorkerOptions.ShutdownDrainTimeout"/>; past that, work in flight is abandoned uncommitted.
/// A stage that fails marks the pipeline faulted (<c>/health</c> says so) and stops the others.
/// </summary>
internal sealed partial class SyncPipeline(
    IServiceProvider services,
    IOptions<SyncWorkerOptions> options,
    IClickHouseSink sink,
    SchemaMigrator migrator,
    PipelineStatus status,
    SyncControl control,
    SyncMetrics metrics,
    TimeProvider time,
    ILoggerFactory loggers) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger<SyncPipeline>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var o = options.Value;
        var retry = new RetryPolicy(o.RetryInitialDelay, o.RetryMaxDelay, time, metrics, status, loggers.CreateLogger<RetryPolicy>());
        try
        {
            // Nothing is consumed before this: no event is ever written to a table a migration is copying.
            await retry.ExecuteAsync("migrate schema", ct => migrator.MigrateAsync(status.Migration, ct), stoppingToken);
            status.Migration(null);
            LogSchemaReady(_logger, SchemaMigrator.CurrentVersion, string.IsNullOrWhiteSpace(o.ClickHouseCluster) ? "(single server)" : o.ClickHouseCluster);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }

        var consumer = services.GetRequiredService<IConsumer<RawRef, RawRef>>();
        var callbacks = services.GetRequiredService<ConsumerCallbacks>();
        var deadLetters = new DeadLetterPublisher(services.GetRequiredService<IProducer<byte[]?, byte[]>>(), o.Topic, o.DeadLetterTopic, time);
        var ownership = new PartitionOwnership();
        var blockPool = new RawBlockPool(BlockArenaBytes(o), o.BlockMessages, maxPooled: o.ChannelCapacity + 4);
        using var batchPool = new OrderBatchPool(chunkSize: 1 << 20, o.MaxTraceLinksPerBatch);

        var blocks = Channel.CreateBounded<RawBlock>(new BoundedChannelOptions(o.ChannelCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = true,
            AllowSynchronousContinuations = false,
        });
        var sealedBatches = Channel.CreateBounded<OrderBatch>(new BoundedChannelOptions(o.PendingBatches)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = true,
            AllowSynchronousContinuations = false,
        });

        var demand = new CommitterDemand();
        var batcher = new Batcher(blocks.Reader, sealedBatches.Writer, demand, blockPool, batchPool,
            new BatchLimits(o.BatchMaxRows, o.BatchMaxBytes, o.BatchLinger, o.BatchMaxAge, o.FreshnessTarget / 2), deadLetters, status, time, metrics, loggers.CreateLogger<Batcher>());
        var watermarks = new WatermarkBook(sink, ownership, retry, o.Topic, time, metrics);
        var committer = new Committer(sealedBatches.Reader, demand, batchPool, sink, watermarks, new ConsumerOffsetCommitter(consumer), ownership,
            deadLetters, retry, o.Topic, time, metrics, loggers.CreateLogger<Committer>());
        var loop = new KafkaConsumeLoop(consumer, callbacks, blocks.Writer, blockPool, ownership, control,
            new ConsumeLoopSettings(o.Topic, o.BlockMessages, BlockArenaReserve, o.PollTimeout, o.RevocationFlushTimeout, o.PauseAfter),
            time, metrics, loggers.CreateLogger<KafkaConsumeLoop>());

        using var abandon = new CancellationTokenSource();
        using var stopLoop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var batching = Task.Run(() => batcher.RunAsync(abandon.Token), CancellationToken.None);
        var committing = Task.Run(() => committer.RunAsync(abandon.Token, o.InsertParallelism), CancellationToken.None);
        loop.Start(Task.WhenAll(batching, committing), o.ShutdownDrainTimeout, abandon.Token, stopLoop.Token);
        status.Started();
        LogStarted(_logger, o.Topic, o.BatchMaxRows, o.BatchMaxBytes, o.BatchLinger.TotalMilliseconds, o.BatchMaxAge.TotalMilliseconds);

        // Shutdown: drain for at most ShutdownDrainTimeout, then abandon what is still in flight (uncommitted).
        using var onStop = stoppingToken.Register(() => abandon.CancelAfter(o.ShutdownDrainTimeout));
        var stages = new[] { loop.Completion, batching, committing };
        var first = await Task.WhenAny(stages);
        if (!stoppingToken.IsCancellationRequested)
        {
            var fault = first.Exception?.GetBaseException() ?? new InvalidOperationException("A pipeline stage stopped on its own.");
            status.Faulted(fault);
            LogFaulted(_logger, fault);
            await stopLoop.CancelAsync();
            await abandon.CancelAsync();
        }

        try
        {
            await Task.WhenAll(stages);
        }
        catch (Exception ex) when (ex is OperationCanceledException || stoppingToken.IsCancellationRequested || status.Snapshot().Fault is not null)
        {
            // Cancellation at shutdown, or a fault already reported.
        }

        if (status.Snapshot().Fault is null)
        {
            status.Stopped();
            LogStopped(_logger, abandon.IsCancellationRequested ? "abandoned what was still in flight (not committed)" : "drained and committed");
        }
    }

    /// <summary>Room left in a block before it is handed over: a typical envelope is ~200 bytes; 64 KiB is never reached by one.</summary>
    private const int BlockArenaReserve = 64 << 10;

    /// <summary>A block's arena: its messages at ~512 bytes each plus the reserve.</summary>
    private static int BlockArenaBytes(SyncWorkerOptions o) => (int)Math.Min(64L << 20, (long)o.BlockMessages * 512 + BlockArenaReserve);

    [LoggerMessage(Level = LogLevel.Information, Message = "ClickHouse schema at version {Version} (cluster: {Cluster})")]
    private static partial void LogSchemaReady(ILogger logger, int version, string cluster);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sync pipeline started on {Topic}: flush at {Rows} rows, {Bytes} bytes, when drained after {LingerMs} ms or at {AgeMs} ms")]
    private static partial void LogStarted(ILogger logger, string topic, int rows, long bytes, double lingerMs, double ageMs);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Sync pipeline faulted; it stops and /health reports it")]
    private static partial void LogFaulted(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sync pipeline stopped: {Outcome}")]
    private static partial void LogStopped(ILogger logger, string outcome);
}
