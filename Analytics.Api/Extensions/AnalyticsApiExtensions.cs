using ClickHouse.Driver;
using ClickHouse.Driver.ADO;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using PolyglotAspire.Analytics.Apis;
using PolyglotAspire.Analytics.Freshness;
using PolyglotAspire.Analytics.Partitions;
using PolyglotAspire.Analytics.Queries;
using PolyglotAspire.Analytics.Reconciliation;

namespace PolyglotAspire.Analytics.Extensions;

/// <summary>How Analytics.Api sets itself up: <c>Program.cs</c> calls <see cref="AddAnalyticsApi"/>, then <see cref="MapAnalyticsEndpoints"/>.</summary>
public static class AnalyticsApiExtensions
{
    /// <summary>
    /// ClickHouse (OLAP), a read-only PostgreSQL data source (the fallback), freshness and routing, and the HTTP
    /// surface: problem details, the store-unavailable handler (503), OpenAPI (Development).
    /// </summary>
    public static IHostApplicationBuilder AddAnalyticsApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AnalyticsOptions>()
            .BindConfiguration(AnalyticsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System); // the one clock; a test host may register its own first

        // Analytics connects as a read-only user (readonly=1 on the server): it may not change settings, so the driver
        // must not send its JSON format settings with every query.
        builder.AddClickHouseDataSource("clickhouse", createClientSettings: (_, connectionString) => new ClickHouseClientSettings(connectionString)
        {
            JsonReadMode = JsonReadMode.None,
            JsonWriteMode = JsonWriteMode.None,
        });

        // The fallback only ever reads: the server refuses writes on these connections, whatever a query says; no
        // question may run longer than Analytics:FallbackStatementTimeoutMs on the order database, nor on more than one
        // core (Analytics:FallbackParallelWorkers), so FallbackMaxConcurrency bounds the cores it can take.
        var defaults = new AnalyticsOptions();
        var section = builder.Configuration.GetSection(AnalyticsOptions.SectionName);
        var statementTimeoutMs = section.GetValue(nameof(AnalyticsOptions.FallbackStatementTimeoutMs), defaults.FallbackStatementTimeoutMs);
        var parallelWorkers = section.GetValue(nameof(AnalyticsOptions.FallbackParallelWorkers), defaults.FallbackParallelWorkers);
        builder.AddNpgsqlDataSource("ordersdb", settings =>
            settings.ConnectionString = new NpgsqlConnectionStringBuilder(settings.ConnectionString)
            {
                Options = $"-c default_transaction_read_only=on -c statement_timeout={statementTimeoutMs} -c max_parallel_workers_per_gather={parallelWorkers}",
                ApplicationName = "analytics-api (read-only)",
            }.ConnectionString);

        builder.Services.AddSingleton<PartsSnapshotReader>();
        builder.Services.AddSingleton<PartitionResultCache>();
        builder.Services.AddSingleton<PartitionedAggregator>();
        builder.Services.AddSingleton<RangeAggregator>();
        builder.Services.AddSingleton<ClickHouseAnalyticsStore>();
        builder.Services.AddSingleton<PostgresAnalyticsStore>();
        builder.Services.AddSingleton<FreshnessMonitor>();
        builder.Services.AddSingleton<RoutingMetrics>();
        builder.Services.AddSingleton<FallbackAdmission>();
        builder.Services.AddSingleton<ReadRouter>();
        // Its own connection: the temporary slot with an exported snapshot needs REPLICATION, which the fallback's
        // read-only role (ordersdb) must not have.
        builder.Services.AddSingleton(new ReconciliationConnection(builder.Configuration.GetConnectionString(ReconciliationConnection.Name) ?? ""));
        builder.Services.AddSingleton<ReconciliationMetrics>();
        builder.Services.AddSingleton<Reconciler>();

        builder.AddPolyglotAuthentication(); // bearer tokens with scopes, per-caller rate limits (ServiceDefaults)
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<StoreUnavailableHandler>();
        builder.AddApiDocumentation();
        return builder;
    }

    /// <summary>
    /// The middleware and endpoints: errors as problem details, the dashboard page's shell (public: it holds no data and
    /// asks for a token), then authentication for everything else, OpenAPI, the analytics API.
    /// </summary>
    public static WebApplication MapAnalyticsEndpoints(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseDefaultFiles();
        app.UseStaticFiles();   // the dashboard page (wwwroot), no CDN
        app.UsePolyglotAuthentication();
        app.MapApiDocumentation("PolyglotAspire Analytics API");
        app.MapAnalyticsApi();
        app.MapReconciliationApi();
        app.MapDashboardApi();
        return app;
    }
}
