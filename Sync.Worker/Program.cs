using PolyglotAspire.SyncWorker.Extensions;

// The Kafka → ClickHouse sync worker. A web app only for /health and /alive (MapDefaultEndpoints).
var builder = WebApplication.CreateBuilder(args);
builder.AddBasicServiceDefaults();
builder.AddSyncWorker();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
