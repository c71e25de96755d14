using ClickHouse.Driver;
using ClickHouse.Driver.ADO;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using PolyglotAspire.SyncWorker.ClickHouse;
using PolyglotAspire.SyncWorker.Pipeline;
using PolyglotAspire.SyncWorker.Schema;
using PolyglotAspire.SyncWorker.Telemetry;

namespace PolyglotAspire.SyncWorker.Extensions;

/// <summary>How the worker sets itself up: <c>Program.cs</c> calls <see cref="AddSyncWorker"/>.</summary>
internal static class SyncWorkerExtensions
{
    /// <summary>
    /// The pipeline and what it needs: the Kafka consumer (group <c>sync-worker</c>, manual commits, cooperative
    /// rebalancing, arena deserializers) and the dead-letter producer through ServiceDefaults — broker-specific
    /// settings come from configuration — ClickHouse from the <c>clickhouse</c> connection string (ServiceDefaults), the
    /// validated <c>SyncWorker</c> options, metrics and the health check.
    /// </summary>
    public static IHostApplicationBuilder AddSyncWorker(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SyncWorkerOptions>().BindConfiguration(SyncWorkerOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<SyncWorkerOptions>, SyncWorkerOptionsValidator>();
        builder.Services.TryAddSingleton(TimeProvider.System); // the one clock; a test host may register its own first

        // Shutdown waits for the drain (insert + commit of what was consumed), plus time to leave the group.
        var drain = builder.Configuration.GetValue($"{SyncWorkerOptions.SectionName}:{nameof(SyncWorkerOptions.ShutdownDrainTimeout)}",
            new SyncWorkerOptions().ShutdownDrainTimeout);
        builder.Services.Configure<HostOptions>(host =>
        {
            host.ShutdownTimeout = drain + TimeSpan.FromSeconds(10);
            // A faulted pipeline is reported by /health (tagged live, so an orchestrator restarts the worker)
            // instead of silently ending the process.
            host.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.Ignore;
        });

        builder.Services.AddSingleton<ConsumerCallbacks>();
        builder.AddKafkaConsumer<RawRef, RawRef>("kafka", settings =>
        {
            var config = settings.Config;
            config.GroupId = string.IsNullOrEmpty(config.GroupId) ? SyncWorkerOptions.ConsumerGroup : config.GroupId;
            // Commits are the pipeline's, after ClickHouse has the rows: in code, never from configuration.
            config.EnableAutoCommit = false;
            config.EnableAutoOffsetStore = false;
            config.AutoOffsetReset ??= AutoOffsetReset.Earliest;
            // 10 s (Kafka's default before 3.0) rather than librdkafka's 45 s: a crashed worker's partitions move on
            // after 10 s instead of stalling the group for 45. Heartbeats come from librdkafka's own thread, so
            // only a frozen process misses them; a revocation flush (SyncWorker:RevocationFlushTimeout) stays below.
            config.SessionTimeoutMs ??= 10_000;
            // KIP-429 is client-side: librdkafka runs the cooperative protocol over the classic JoinGroup/SyncGroup
            // (checked against the 0.9 broker: a joining member takes partitions without the others stopping).
            config.PartitionAssignmentStrategy ??= PartitionAssignmentStrategy.CooperativeSticky;
            // No topic string, headers object or timestamp per message: the loop knows the topic, 0.9 has neither.
            config.ConsumeResultFields = "none";
            config.EnablePartitionEof = false;
        }, (sp, consumer) => sp.GetRequiredService<ConsumerCallbacks>().Attach(consumer));

        builder.AddKafkaProducer<byte[]?, byte[]>("kafka", settings =>
        {
            var config = settings.Config;
            config.Acks = Acks.All; // a dead letter's offset is committed only once it is durably in the DLQ
            config.LingerMs ??= 5;
            config.MessageTimeoutMs ??= 30_000; // fail a produce in 30 s rather than 5 min: the committer re-sends
        });

        // The pipeline's health already says whether ClickHouse takes its inserts: no second check.
        builder.AddClickHouseDataSource("clickhouse", settings => settings.DisableHealthChecks = true,
            (sp, connectionString) => new ClickHouseClientSettings(connectionString)
            {
                Timeout = sp.GetRequiredService<IOptions<SyncWorkerOptions>>().Value.ClickHouseTimeout,
            });
        builder.Services.AddSingleton<IClickHouseSink>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<SyncWorkerOptions>>().Value;
            return new ClickHouseSink(sp.GetRequiredService<IClickHouseClient>(), options.ClickHouseCluster, options.CompressInserts);
        });
        builder.Services.AddSingleton(sp =>
        {
            // A client of its own: a migration's copy may run far longer than an insert may.
            var options = sp.GetRequiredService<IOptions<SyncWorkerOptions>>().Value;
            var settings = new ClickHouseClientSettings(builder.Configuration.GetConnectionString("clickhouse")!) { Timeout = options.MigrationTimeout };
            return new SchemaMigrator(new ClickHouseClient(settings), new SchemaLayout(options.ClickHouseCluster, settings.Database),
                sp.GetRequiredService<ILogger<SchemaMigrator>>());
        });

        builder.Services.AddSingleton<SyncMetrics>();
        builder.Services.AddSingleton<PipelineStatus>();
        builder.Services.AddSingleton<SyncPipeline>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SyncPipeline>());
        // Ready: everything, escalating to Unhealthy on failures a restart does not cure. Live: only what a restart cures.
        builder.Services.AddHealthChecks()
            .AddCheck<PipelineHealthCheck>(PipelineHealthCheck.Name, tags: ["ready"])
            .Add(new HealthCheckRegistration(PipelineHealthCheck.LivenessName, sp => ActivatorUtilities.CreateInstance<PipelineHealthCheck>(sp, true),
                failureStatus: null, tags: ["live"]));
        return builder;
    }
}
