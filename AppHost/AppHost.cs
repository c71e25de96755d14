using PolyglotAspire.AppHost.Infrastructure;
using PolyglotAspire.AppHost.Operations;

var builder = DistributedApplication.CreateBuilder(args);

// PostgreSQL (ordersdb), Kafka and ClickHouse, from containers, local processes or external services
// (Infrastructure:Mode). Services below only ever see connection strings.
var engines = builder.AddEngines();

// Both APIs are reachable from outside the environment (Container Apps ingress); the worker stays internal.
var ordersApi = builder.AddProject<Projects.Orders_Api>("orders-api")
    .WithExternalHttpEndpoints()
    .WithReference(engines.OrdersDb).WaitFor(engines.OrdersDb)
    .WithKafka(engines.Kafka)
    .WithHttpHealthCheck("/health")
    .WithOrdersCommands();

var syncWorker = builder.AddProject<Projects.Sync_Worker>("sync-worker")
    .WithKafka(engines.Kafka)
    .WithClickHouse(engines.ClickHouse.Writer)
    // PostgreSQL only for backfills (POST /api/admin/backfill): no WaitFor, the pipeline never depends on it.
    .WithReference(engines.OrdersDb)
    .WithHttpHealthCheck("/health")
    .WithSyncCommands();
// SyncWorker:* settings given to the AppHost (e.g. by the load harness: SyncWorker:BatchMaxRows=50000) reach the worker.
foreach (var setting in builder.Configuration.GetSection("SyncWorker").GetChildren().Where(s => s.Value is not null))
{
    syncWorker.WithEnvironment($"SyncWorker__{setting.Key}", setting.Value);
}

var analyticsApi = builder.AddProject<Projects.Analytics_Api>("analytics-api")
    .WithExternalHttpEndpoints()
    .WithClickHouse(engines.ClickHouse.Reader)
    .WithReference(engines.OrdersDb).WaitFor(engines.OrdersDb)
    .WithHttpHealthCheck("/health")
    .WithAnalyticsCommands();
// Analytics:* settings given to the AppHost (e.g. Analytics:FallbackMaxConcurrency=1) reach Analytics.Api.
foreach (var setting in builder.Configuration.GetSection("Analytics").GetChildren().Where(s => s.Value is not null))
{
    analyticsApi.WithEnvironment($"Analytics__{setting.Key}", setting.Value);
}

// Strong writes (Prefer: consistency=strong) ask analytics whether they are visible. No WaitFor: writes must
// never depend on analytics being up; a strong write then answers "committed, not yet visible".
ordersApi.WithReference(analyticsApi);

builder.BoundTelemetryExportForRunMode();
builder.Build().Run();
