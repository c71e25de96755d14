using PolyglotAspire.SyncWorker.Apis;
using PolyglotAspire.SyncWorker.Extensions;

// The Kafka → ClickHouse sync worker. A web app for /health and /alive (MapDefaultEndpoints) and, behind bearer tokens
// (the admin scope by route convention: ServiceDefaults' RouteScopeRequirement), its operations under /api/admin
// (backfill, dead-letter replay, pause and resume).
var builder = WebApplication.CreateBuilder(args);
builder.AddBasicServiceDefaults();
builder.AddPolyglotAuthentication();
builder.AddSyncWorker();

var app = builder.Build();
app.UsePolyglotAuthentication();
app.MapDefaultEndpoints();
app.MapAdminApi();
app.Run();
