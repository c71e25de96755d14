using System.Data.Common;
using System.Diagnostics;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO;
using ClickHouse.Driver.Diagnostic;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Trace;

namespace PolyglotAspire.ServiceDefaults.UnitTests;

/// <summary>ClickHouse registered through ClickHouse.Driver's own DI and traced through its own activity source.</summary>
public sealed class ClickHouseRegistrationTests
{
    private const string ConnectionString = "Host=ch.example;Port=8123;Protocol=http;Username=analytics_reader;Password=x;Database=analytics";

    [Fact]
    public void The_driver_s_data_source_and_its_one_client_are_registered_from_the_connection_string()
    {
        using var host = Build(builder => builder.AddClickHouseDataSource("clickhouse"));

        var dataSource = host.Services.GetRequiredService<IClickHouseDataSource>();
        Assert.Same(dataSource, host.Services.GetRequiredService<ClickHouseDataSource>());
        Assert.Same(dataSource, host.Services.GetRequiredService<DbDataSource>());
        var client = host.Services.GetRequiredService<IClickHouseClient>();
        Assert.Same(dataSource.GetClient(), client);
        Assert.Same(client, host.Services.GetRequiredService<IClickHouseClient>());
        Assert.Equal("analytics_reader", client.Settings.Username);
        Assert.Equal("analytics", client.Settings.Database);
    }

    [Fact]
    public void A_service_builds_its_own_client_settings_from_the_connection_string()
    {
        using var host = Build(builder => builder.AddClickHouseDataSource("clickhouse",
            createClientSettings: (_, connectionString) => new ClickHouseClientSettings(connectionString) { Timeout = TimeSpan.FromSeconds(7) }));

        Assert.Equal(TimeSpan.FromSeconds(7), host.Services.GetRequiredService<IClickHouseClient>().Settings.Timeout);
    }

    [Fact]
    public void ClickHouse_calls_are_traced_through_the_driver_s_activity_source()
    {
        using var host = Build(builder => builder.AddClickHouseDataSource("clickhouse"));
        using var source = new ActivitySource(ClickHouseDiagnosticsOptions.ActivitySourceName);
        Assert.False(source.HasListeners());

        _ = host.Services.GetRequiredService<TracerProvider>();

        Assert.Equal("ClickHouse.Driver", ClickHouseDiagnosticsOptions.ActivitySourceName);
        Assert.True(source.HasListeners());
    }

    [Fact]
    public void A_ready_check_pings_ClickHouse_unless_disabled()
    {
        using var withCheck = Build(builder => builder.AddClickHouseDataSource("clickhouse"));
        var registration = Assert.Single(withCheck.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations);
        Assert.Equal("clickhouse", registration.Name);
        Assert.Equal(["ready"], registration.Tags);

        using var without = Build(builder => builder.AddClickHouseDataSource("clickhouse", settings => settings.DisableHealthChecks = true));
        Assert.Empty(without.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations);
    }

    [Fact]
    public void A_missing_connection_string_is_a_clear_error()
    {
        var builder = Host.CreateApplicationBuilder();
        var error = Assert.Throws<InvalidOperationException>(() => builder.AddClickHouseDataSource("clickhouse"));
        Assert.Contains("'clickhouse'", error.Message, StringComparison.Ordinal);
    }

    private static IHost Build(Action<HostApplicationBuilder> configure)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:clickhouse"] = ConnectionString;
        configure(builder);
        return builder.Build();
    }
}
