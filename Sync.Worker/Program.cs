using PolyglotAspire.SyncWorker.Apis;
using PolyglotAspire.SyncWorker.Extensions;

// The Kafka → ClickHouse sync worker. A web app for /health and /alive (MapDefaultEndpoints) and its operations
// (/api/admin: backfill, pause and resume).
var builder = WebApplication.CreateBuilder(args);
builder.AddBasicServiceDefaults();
builder.AddSyncWorker();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapAdminApi();
app.Run();
