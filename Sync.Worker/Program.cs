using PolyglotAspire.SyncWorker.Extensions;

// The Kafka → ClickHouse sync worker. A web app for /health and /alive (MapDefaultEndpoints) and, behind bearer tokens,
// any /api/admin/* endpoint (the admin scope by route convention: ServiceDefaults' RouteScopeRequirement).
var builder = WebApplication.CreateBuilder(args);
builder.AddBasicServiceDefaults();
builder.AddPolyglotAuthentication();
builder.AddSyncWorker();

var app = builder.Build();
app.UsePolyglotAuthentication();
app.MapDefaultEndpoints();
app.Run();
