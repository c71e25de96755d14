using PolyglotAspire.Analytics.Extensions;

// The OLAP read path: analytics from ClickHouse with their freshness, PostgreSQL as the fallback, the dashboard page.
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddAnalyticsApi();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapAnalyticsEndpoints();
app.Run();
