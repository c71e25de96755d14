using ClickHouse.Driver;
using ClickHouse.Emulator.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

[assembly: AssemblyFixture(typeof(ClickHouse.Emulator.Tests.EmulatorFixture))]

namespace ClickHouse.Emulator.Tests;

/// <summary>
/// One emulator per test run (chDB is one engine per process), hosted in-process on a real Kestrel
/// port with a fresh temporary data directory, and reached over real HTTP.
/// </summary>
public sealed class EmulatorFixture : IAsyncLifetime
{
    private WebApplication? app;

    public Uri BaseAddress { get; private set; } = null!;

    public string DataPath { get; } = Path.Combine(Path.GetTempPath(), "chdb-emulator-tests-" + Guid.NewGuid().ToString("N"));

    /// <summary>The driver on default settings, as a service would use it.</summary>
    public string ConnectionString => $"Host={BaseAddress.Host};Port={BaseAddress.Port}";

    public static string LibraryPath =>
        Environment.GetEnvironmentVariable("ChDb__LibraryPath")
        ?? Path.Combine(
            Environment.GetEnvironmentVariable("POLYGLOT_ENGINES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache/polyglot-aspire/engines"),
            "chdb-26.7.3/libchdb.so"); // where eng/install-engines.sh puts it

    public ClickHouseClient CreateClient() => new(ConnectionString);

    public HttpClient CreateHttpClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(EmulatorEndpoints).Assembly.GetName().Name,
            Args =
            [
                "--urls=http://127.0.0.1:0",
                "--ChDb:LibraryPath=" + LibraryPath,
                "--ChDb:DataPath=" + DataPath,
            ],
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddClickHouseEmulator();
        app = builder.Build();
        app.MapClickHouseHttp();
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        BaseAddress = new Uri(address);
    }

    public async ValueTask DisposeAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        try
        {
            Directory.Delete(DataPath, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp directory left behind is harmless.
        }
    }
}
