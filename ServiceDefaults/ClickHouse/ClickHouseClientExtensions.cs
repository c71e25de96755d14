using ClickHouse.Driver;
using ClickHouse.Driver.ADO;
using ClickHouse.Driver.Diagnostic;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// ClickHouse for a service, registered the way ClickHouse.Driver itself supports — its <c>AddClickHouseDataSource</c>
/// (<see cref="ClickHouseDataSource"/>, <see cref="IClickHouseDataSource"/>, <c>DbDataSource</c>, connections) and the
/// data source's one shared client as <see cref="IClickHouseClient"/> — traced through the driver's own activity
/// source, with a <c>/ping</c> readiness check. No Aspire client integration for ClickHouse exists on our registry.
/// </summary>
public static class ClickHouseClientExtensions
{
    public static IHostApplicationBuilder AddClickHouseDataSource(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<ClickHouseSettings>? configureSettings = null,
        Func<IServiceProvider, string, ClickHouseClientSettings>? createClientSettings = null)
    {
        var settings = new ClickHouseSettings { ConnectionString = builder.Configuration.GetConnectionString(connectionName) };
        configureSettings?.Invoke(settings);
        var connectionString = settings.ConnectionString
            ?? throw new InvalidOperationException($"No ClickHouse connection string '{connectionName}'.");

        // The driver's settings are init-only: a service that needs more than the connection string builds them.
        builder.Services.AddClickHouseDataSource(sp =>
            createClientSettings?.Invoke(sp, connectionString) ?? new ClickHouseClientSettings(connectionString));
        builder.Services.TryAddSingleton(sp => sp.GetRequiredService<IClickHouseDataSource>().GetClient());

        if (!settings.DisableTracing)
        {
            builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddSource(ClickHouseDiagnosticsOptions.ActivitySourceName));
        }

        if (!settings.DisableHealthChecks)
        {
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(connectionName,
                sp => new ClickHouseHealthCheck(sp.GetRequiredService<IClickHouseClient>()), failureStatus: null, tags: ["ready"]));
        }

        return builder;
    }
}
