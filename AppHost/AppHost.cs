using PolyglotAspire.AppHost.Infrastructure;

var builder = DistributedApplication.CreateBuilder(args);

// PostgreSQL (ordersdb), Kafka and ClickHouse, from containers, local processes or external services
// (Infrastructure:Mode). Services below only ever see connection strings.
var engines = builder.AddEngines();

builder.AddProject<Projects.Orders_Api>("orders-api")
    .WithReference(engines.OrdersDb).WaitFor(engines.OrdersDb)
    .WithKafka(engines.Kafka)
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.Sync_Worker>("sync-worker")
    .WithKafka(engines.Kafka)
    .WithReference(engines.ClickHouse).WaitFor(engines.ClickHouse)
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.Analytics_Api>("analytics-api")
    .WithReference(engines.ClickHouse).WaitFor(engines.ClickHouse)
    .WithReference(engines.OrdersDb).WaitFor(engines.OrdersDb)
    .WithHttpHealthCheck("/health");

builder.BoundTelemetryExportForRunMode();
builder.Build().Run();
