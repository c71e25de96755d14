using ClickHouse.Driver;
using ClickHouse.Emulator.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

[assembly: AssemblyFixture(typeof(PolyglotAspire.SyncWorker.UnitTests.EngineFixture))]

namespace PolyglotAspire.SyncWorker.UnitTests;

/// <summary>
/// The real ClickHouse 26.7 engine (chDB) behind ClickHouse's HTTP interface, hosted in-process on a random
/// port with a fresh data directory: what the worker writes is parsed by ClickHouse itself, not by a test double.
/// </summary>
public sealed class EngineFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public string DataPath { get; } = Path.Combine(Path.GetTempPath(), "sync-worker-unit-" + Guid.NewGuid().ToString("N"));

    public string ConnectionString { get; private set; } = "";

    public static string LibraryPath =>
        Environment.GetEnvironmentVariable("ChDb__LibraryPath")
        ?? Path.Combine(
            Environment.GetEnvironmentVariable("POLYGLOT_ENGINES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache/polyglot-aspire/engines"),
            "chdb-26.7.3/libchdb.so"); // where eng/install-engines.sh puts it

    public ClickHouseClient CreateClient(string? database = null) =>
        new(database is null ? ConnectionString : $"{ConnectionString};Database={database}");

    /// <summary>A database of the test's own, so tests run in parallel on the one engine.</summary>
    public async Task<ClickHouseClient> CreateDatabaseAsync()
    {
        var name = "t_" + Guid.NewGuid().ToString("N")[..12];
        using (var admin = CreateClient())
        {
            await admin.ExecuteNonQueryAsync($"CREATE DATABASE {name}", cancellationToken: TestContext.Current.CancellationToken);
        }

        return CreateClient(name);
    }

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(EmulatorEndpoints).Assembly.GetName().Name,
            Args = ["--urls=http://127.0.0.1:0", "--ChDb:LibraryPath=" + LibraryPath, "--ChDb:DataPath=" + DataPath],
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddClickHouseEmulator();
        _app = builder.Build();
        _app.MapClickHouseHttp();
        await _app.StartAsync();
        var address = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        ConnectionString = $"Host={address.Host};Port={address.Port}";
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        try
        {
            Directory.Delete(DataPath, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory left behind is harmless.
        }
    }
}
