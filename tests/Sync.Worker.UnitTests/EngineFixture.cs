using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ClickHouse.Driver;

[assembly: AssemblyFixture(typeof(PolyglotAspire.SyncWorker.UnitTests.EngineFixture))]

namespace PolyglotAspire.SyncWorker.UnitTests;

/// <summary>
/// ClickHouse 26.7's own server, as local mode runs it (eng/local/ClickHouseServer), on a random port with a fresh
/// data directory: what the worker writes is parsed by ClickHouse itself, not by a test double. Tests connect as the
/// server's admin, so each can make a database of its own.
/// </summary>
public sealed class EngineFixture : IAsyncLifetime
{
    private readonly string _password = Guid.NewGuid().ToString("N");
    private Process? _server;

    public string DataPath { get; } = Path.Combine(Path.GetTempPath(), "sync-worker-unit-" + Guid.NewGuid().ToString("N"));

    public string ConnectionString { get; private set; } = "";

    public static string LibraryPath => Path.Combine(
        Environment.GetEnvironmentVariable("POLYGLOT_ENGINES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache/polyglot-aspire/engines"),
        "chdb-26.7.3/libchdb.so"); // where eng/install-engines.sh puts it

    public ClickHouseClient CreateClient(string? database = null) =>
        new(database is null ? ConnectionString : $"{ConnectionString};Database={database}");

    /// <summary>A database of the test's own, so tests run in parallel on the one server.</summary>
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
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet",
            [Path.Combine(AppContext.BaseDirectory, "ClickHouseServer.dll"), "--data", DataPath, "--http-port", $"{port}", "--library", LibraryPath])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var user in new[] { "ADMIN", "WRITER", "READER" })
        {
            start.Environment[$"CLICKHOUSE_{user}_PASSWORD"] = user == "ADMIN" ? _password : Guid.NewGuid().ToString("N");
        }

        _server = Process.Start(start)!;
        var output = _server.StandardError.ReadToEndAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_server.HasExited)
            {
                throw new InvalidOperationException($"The ClickHouse server exited ({_server.ExitCode}): {await output}");
            }

            try
            {
                if ((await http.GetAsync(new Uri($"http://127.0.0.1:{port}/ping"))).IsSuccessStatusCode)
                {
                    break;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
            }

            await Task.Delay(100);
        }

        ConnectionString = $"Host=127.0.0.1;Port={port};Username=admin;Password={_password}";
    }

    public ValueTask DisposeAsync()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
            _server.WaitForExit();
        }

        _server?.Dispose();
        try
        {
            Directory.Delete(DataPath, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory left behind is harmless.
        }

        return ValueTask.CompletedTask;
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
