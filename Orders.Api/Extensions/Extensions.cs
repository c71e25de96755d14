using System.Text.Json.Serialization;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using PolyglotAspire.OrdersApi.Apis;
using PolyglotAspire.OrdersApi.Application;
using PolyglotAspire.OrdersApi.Capture;
using PolyglotAspire.OrdersApi.Consistency;
using PolyglotAspire.OrdersApi.Data;
using PolyglotAspire.OrdersApi.Diagnostics;

namespace PolyglotAspire.OrdersApi.Extensions;

/// <summary>How Orders.Api sets itself up: <c>Program.cs</c> calls <see cref="AddOrdersApi"/>, then <see cref="MapOrdersEndpoints"/>.</summary>
public static class Extensions
{
    public const string DatabaseConnectionName = "ordersdb";
    public const string KafkaConnectionName = "kafka";

    /// <summary>Everything the service needs: settings, PostgreSQL, the Kafka producer, the write path, the capture relay, the HTTP surface.</summary>
    public static IHostApplicationBuilder AddOrdersApi(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<OrdersOptions>().BindConfiguration(OrdersOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<CaptureRelayOptions>().BindConfiguration(CaptureRelayOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System); // ServiceDefaults (HTTP resilience) registers it already: one registration either way

        // PostgreSQL: pooled, with automatic preparation of the (constant) statements; no DISCARD ALL on every
        // return to the pool: the app never changes session state (the migrator releases its advisory lock itself).
        builder.AddNpgsqlDataSource(DatabaseConnectionName, configureDataSourceBuilder: dataSource =>
        {
            dataSource.ConnectionStringBuilder.MaxAutoPrepare = Math.Max(dataSource.ConnectionStringBuilder.MaxAutoPrepare, 32);
            dataSource.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
            dataSource.ConnectionStringBuilder.NoResetOnClose = true;
            dataSource.ConnectionStringBuilder.ApplicationName ??= "orders-api";
        });
        var connectionString = builder.Configuration.GetConnectionString(DatabaseConnectionName)
            ?? builder.Configuration["Aspire:Npgsql:ConnectionString"]
            ?? throw new InvalidOperationException($"No connection string '{DatabaseConnectionName}'.");
        services.AddSingleton(new ReplicationConnectionString(
            new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "orders-capture-relay" }.ConnectionString));

        // Kafka: broker settings (e.g. the 0.9 compatibility options) come from configuration; what the relay's
        // guarantees rest on is set here. Per-key order without an idempotent producer (0.9 has none): one request
        // in flight, acks from all replicas, retries, and no local timeout (a message is never dropped, it waits).
        // The producer's own health check is off: Kafka down must not make the API unhealthy; the relay's check
        // reports it as degraded instead.
        builder.AddKafkaProducer<byte[], byte[]>(KafkaConnectionName, settings =>
        {
            settings.DisableHealthChecks = true;
            settings.Config.Acks = Acks.All;
            settings.Config.MaxInFlight = 1;
            settings.Config.EnableIdempotence = false;
            settings.Config.MessageTimeoutMs = 0;
            settings.Config.MessageSendMaxRetries = int.MaxValue;
            settings.Config.LingerMs ??= 2;
            settings.Config.ReconnectBackoffMaxMs ??= 1000;
            settings.Config.ClientId ??= "orders-capture-relay";
            settings.Config.DeliveryReportFields = "status"; // the relay keeps its own context per message: no key/value copies back
        });

        // Analytics answers only callers with analytics:read: this service presents a token of its own (not the caller's).
        services.AddHttpClient<AnalyticsVisibilityClient>((sp, http) =>
                http.BaseAddress = sp.GetRequiredService<IOptions<OrdersOptions>>().Value.AnalyticsBaseAddress)
            .AddServiceToken(PolyglotScopes.AnalyticsRead);

        services.AddSingleton<OrdersTelemetry>();
        services.AddSingleton<OrderStore>();
        services.AddSingleton<OrderWriter>();
        services.AddSingleton<DemoSeeder>();
        services.AddSingleton<SchemaMigrator>();
        services.AddHostedService(sp => sp.GetRequiredService<SchemaMigrator>());
        services.AddSingleton<ReplicationSlotGuard>();
        services.AddSingleton<IReplicationSlotGuard>(sp => sp.GetRequiredService<ReplicationSlotGuard>());
        services.AddSingleton<ReplicationSlotMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<ReplicationSlotMonitor>());
        services.AddSingleton<ICaptureSession, CaptureSession>();
        services.AddSingleton<CaptureRelay>();
        services.AddHostedService(sp => sp.GetRequiredService<CaptureRelay>());
        services.AddHostedService<IdempotencyKeyJanitor>();
        services.AddHealthChecks().AddCheck<CaptureRelayHealthCheck>("capture-relay");

        // The HTTP surface: bearer tokens with scopes and per-caller rate limits (ServiceDefaults), strict JSON, problem
        // details for every error, OpenAPI.
        builder.AddPolyglotAuthentication();
        services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, OrdersJsonContext.Default);
            options.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            options.SerializerOptions.AllowDuplicateProperties = false;
            options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
        });
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddProblemDetails(options => options.CustomizeProblemDetails = ClientErrorHandler.AddDetail);
        services.AddExceptionHandler<ClientErrorHandler>();
        builder.AddApiDocumentation();
        return builder;
    }

    /// <summary>Problem details for every error, authentication, OpenAPI in Development, and the order API.</summary>
    public static WebApplication MapOrdersEndpoints(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UsePolyglotAuthentication();
        app.MapApiDocumentation("PolyglotAspire Orders API");
        app.MapOrdersApi(app.Services.GetRequiredService<IOptions<OrdersOptions>>().Value.MaxRequestBodyBytes);
        app.MapAdminApi();
        return app;
    }
}
