using PolyglotAspire.AppHost.Infrastructure;
using PolyglotAspire.AppHost.Operations;
using PolyglotAspire.AppHost.Security;

var builder = DistributedApplication.CreateBuilder(args);

// PostgreSQL (ordersdb), Kafka and ClickHouse, from containers, local processes or external services
// (Infrastructure:Mode). Services below only ever see connection strings.
var engines = builder.AddEngines();

// Bearer tokens: the local signing key (eng/dev-token.sh) or, published, the identity provider's parameters.
var authentication = ApiAuthentication.Add(builder);
var allowedHosts = ApiHosts.Add(builder);

// Both APIs are reachable from outside the environment (Container Apps ingress); the worker stays internal.
var ordersApi = builder.AddProject<Projects.Orders_Api>("orders-api")
    .WithExternalHttpEndpoints()
    .WithReference(engines.OrdersDb).WaitFor(engines.OrdersDb)
    .WithKafka(engines.Kafka)
    .WithAllowedHosts(allowedHosts)
    .WithSection(builder.Configuration, "RateLimiting")
    .WithSection(builder.Configuration, "CaptureRelay") // e.g. CaptureRelay:ProgressInterval=00:00:00 (off)
    .WithHttpHealthCheck("/health")
    .WithOrdersCommands(authentication);
authentication.ValidateTokens(ordersApi);
authentication.WithClientCredentials(ordersApi);

var syncWorker = builder.AddProject<Projects.Sync_Worker>("sync-worker")
    .WithKafka(engines.Kafka)
    .WithClickHouse(engines.ClickHouse.Writer)
    // PostgreSQL only for backfills (POST /api/admin/backfill): no WaitFor, the pipeline never depends on it.
    .WithReference(engines.OrdersDb)
    .WithSection(builder.Configuration, "SyncWorker") // e.g. by the load harness: SyncWorker:BatchMaxRows=50000
    .WithSection(builder.Configuration, "Aspire:Confluent:Kafka:Consumer") // e.g. …:Config:FetchWaitMaxMs=500
    .WithHttpHealthCheck("/health")
    .WithSyncCommands(authentication);
authentication.ValidateTokens(syncWorker); // its /api/admin/* endpoints

var analyticsApi = builder.AddProject<Projects.Analytics_Api>("analytics-api")
    .WithExternalHttpEndpoints()
    .WithClickHouse(engines.ClickHouse.Reader)
    // The PostgreSQL fallback as its read-only role, under the connection name it reads (ordersdb); never the superuser.
    .WithEnvironment("ConnectionStrings__ordersdb", engines.AnalyticsOrdersDb)
    .WaitFor(engines.OrdersDb)
    // Reconciliation's snapshot (a temporary replication slot) needs REPLICATION: its own connection, not the fallback's.
    .WithEnvironment("ConnectionStrings__ordersdb-replication", engines.OrdersDb)
    .WithAllowedHosts(allowedHosts)
    .WithSection(builder.Configuration, "RateLimiting")
    .WithSection(builder.Configuration, "Analytics") // e.g. Analytics:FallbackMaxConcurrency=1
    .WithHttpHealthCheck("/health")
    .WithAnalyticsCommands(authentication);
authentication.ValidateTokens(analyticsApi);

// Strong writes (Prefer: consistency=strong) ask analytics whether they are visible. No WaitFor: writes must
// never depend on analytics being up; a strong write then answers "committed, not yet visible".
ordersApi.WithReference(analyticsApi);

builder.BoundTelemetryExportForRunMode();
builder.Build().Run();
