using PolyglotAspire.Analytics;
using PolyglotAspire.Analytics.Apis;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddAnalyticsServices();
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<StoreUnavailableHandler>();
builder.Services.AddOpenApi();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseDefaultFiles();
app.UseStaticFiles();   // the dashboard page (wwwroot), no CDN
app.MapOpenApi();
app.MapScalarApiReference();
app.MapDefaultEndpoints();
app.MapAnalyticsApi();
app.MapDashboardApi();
app.Run();
