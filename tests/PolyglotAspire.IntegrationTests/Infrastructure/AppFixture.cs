using System.Collections.Concurrent;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PolyglotAspire.AppHost.Infrastructure;
using PolyglotAspire.Testing;

namespace PolyglotAspire.IntegrationTests.Infrastructure;

/// <summary>
/// The whole app, started once per test collection through <see cref="DistributedApplicationTestingBuilder"/>
/// in local mode on real engines, with a fresh data directory (random ports: it can run beside a dev AppHost).
/// Tests that break things (kill a process, stop an engine) get a fixture of their own: derive from this one.
/// </summary>
public class AppFixture : IAsyncLifetime
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromMinutes(1);

    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "polyglot-aspire-tests", Guid.NewGuid().ToString("N"));
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _logs = new();
    private readonly CancellationTokenSource _stopping = new();

    public DistributedApplication App { get; private set; } = null!;

    public DistributedApplicationModel Model => App.Services.GetRequiredService<DistributedApplicationModel>();

    /// <summary>Resources that start with the app (not parameters, not on-demand helpers such as project rebuilders).</summary>
    public IEnumerable<IResource> Resources => Model.Resources.Where(r =>
        r is not ParameterResource && !r.Annotations.OfType<ExplicitStartupAnnotation>().Any());

    public async ValueTask InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            ["Infrastructure:Mode=local", $"Infrastructure:DataPath={_dataPath}", .. AppTokens.UnlimitedRates, .. Arguments], timeout.Token);
        builder.Services.AddLogging(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Aspire.Hosting.Dcp", LogLevel.Error));
        builder.Services.AddAppTokens(); // App.CreateHttpClient's clients carry a token with every scope

        App = await builder.BuildAsync(timeout.Token);
        await App.StartAsync(timeout.Token);
        // After the start: resources' DCP instance names (what the logger service keys logs by) exist from then on.
        CaptureResourceLogs();

        await Task.WhenAll(Resources.Select(r => WaitForHealthyAsync(r.Name, timeout.Token)));
    }

    /// <summary>More AppHost configuration (<c>key=value</c>) for a derived fixture.</summary>
    protected virtual IEnumerable<string> Arguments => [];

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (App is not null)
        {
            using var timeout = new CancellationTokenSource(StopTimeout);
            await App.StopAsync(timeout.Token);
            await App.DisposeAsync();
        }

        _stopping.Dispose();
        GC.SuppressFinalize(this);
        try
        {
            Directory.Delete(_dataPath, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }

    public Task<string> ConnectionStringAsync(string name) =>
        App.GetConnectionStringAsync(name).AsTask().ContinueWith(t => t.Result ?? throw new InvalidOperationException($"No connection string '{name}'."), TaskScheduler.Default);

    /// <summary>A Kafka client config for this app's broker: its connection string plus the broker's client settings.</summary>
    public async Task<T> KafkaConfigAsync<T>() where T : ClientConfig, new()
    {
        var kafka = Model.Resources.Single(r => r.Name == EnginesExtensions.KafkaName);
        var settings = kafka.Annotations.OfType<KafkaClientConfigAnnotation>().SelectMany(a => a.Settings);
        var config = new T();
        new ConfigurationBuilder().AddInMemoryCollection(settings!).Build().Bind(config);
        config.BootstrapServers = await ConnectionStringAsync(EnginesExtensions.KafkaName);
        return config;
    }

    /// <summary>Stops a resource the way the dashboard's Stop button does, and waits until it has stopped.</summary>
    public async Task StopAsync(string resource, CancellationToken cancellationToken)
    {
        var result = await App.ResourceCommands.ExecuteCommandAsync(resource, KnownResourceCommands.StopCommand, cancellationToken);
        Assert.True(result.Success, $"stopping {resource}: {result.Message}");
        await App.ResourceNotifications.WaitForResourceAsync(resource, e => IsStopped(e.Snapshot), cancellationToken);
    }

    /// <summary>Starts a stopped resource and waits until it is healthy again (or only running, for a test that expects it unhealthy).</summary>
    public async Task StartAsync(string resource, CancellationToken cancellationToken, bool waitUntilHealthy = true)
    {
        var issued = DateTime.UtcNow;
        var result = await App.ResourceCommands.ExecuteCommandAsync(resource, KnownResourceCommands.StartCommand, cancellationToken);
        Assert.True(result.Success, $"starting {resource}: {result.Message}");
        // The command returns before the new run is visible: until then the snapshot still says how the last one ended.
        await App.ResourceNotifications.WaitForResourceAsync(resource, e => !IsStopped(e.Snapshot), cancellationToken);
        if (waitUntilHealthy)
        {
            await WaitForHealthyAsync(resource, cancellationToken, endedAfter: issued);
        }
        else
        {
            await App.ResourceNotifications.WaitForResourceAsync(resource, KnownResourceStates.Running, cancellationToken);
        }
    }

    /// <summary>
    /// Stops a resource for as long as <paramref name="whileStopped"/> runs and then starts it again, also when
    /// <paramref name="whileStopped"/> fails: one failed test must not leave the shared app without the resource
    /// and fail every test after it.
    /// </summary>
    public async Task WhileStoppedAsync(string resource, Func<Task> whileStopped, CancellationToken cancellationToken)
    {
        await StopAsync(resource, cancellationToken);
        try
        {
            await whileStopped();
        }
        finally
        {
            using var restart = new CancellationTokenSource(StartTimeout); // the test's own token may be what ended it
            await StartAsync(resource, restart.Token);
        }
    }

    /// <summary>SIGKILLs a resource's whole process tree (no graceful shutdown) and waits until Aspire sees it gone.</summary>
    public async Task KillAsync(string resource, CancellationToken cancellationToken)
    {
        Assert.True(App.ResourceNotifications.TryGetCurrentState(resource, out var current), resource);
        var pid = current.Snapshot.Properties.Single(p => p.Name == "executable.pid").Value;
        using (var process = System.Diagnostics.Process.GetProcessById(Convert.ToInt32(pid, System.Globalization.CultureInfo.InvariantCulture)))
        {
            process.Kill(entireProcessTree: true);
        }

        await App.ResourceNotifications.WaitForResourceAsync(resource, e => IsStopped(e.Snapshot), cancellationToken);
    }

    private static bool IsStopped(CustomResourceSnapshot snapshot) =>
        snapshot.State?.Text is { } state && KnownResourceStates.TerminalStates.Contains(state);

    /// <summary>The last lines a resource wrote, for failure messages.</summary>
    public string RecentLogs(string resource, int lines = 40) =>
        _logs.TryGetValue(resource, out var queue) ? string.Join(Environment.NewLine, queue.TakeLast(lines)) : "(no logs)";

    /// <summary>
    /// Waits until <paramref name="name"/> is healthy; fails if it fails to start or ends. With <paramref name="endedAfter"/>
    /// (a restart), an end stamped before it is the previous run's, published late under load: it is not this run's.
    /// </summary>
    public async Task WaitForHealthyAsync(string name, CancellationToken cancellationToken, DateTime? endedAfter = null)
    {
        var outcome = await App.ResourceNotifications.WaitForResourceAsync(name, e =>
            e.Snapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy
            || e.Snapshot.State?.Text is { } state && (state == KnownResourceStates.FailedToStart || KnownResourceStates.TerminalStates.Contains(state))
                && !(endedAfter is { } after && e.Snapshot.StopTimeStamp is { } stopped && stopped.ToUniversalTime() < after),
            cancellationToken);
        if (outcome.Snapshot.HealthStatus != Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy)
        {
            throw new InvalidOperationException(
                $"Resource '{name}' ended in state {outcome.Snapshot.State?.Text} instead of becoming healthy. Its last logs:{Environment.NewLine}{RecentLogs(name)}");
        }
    }

    private void CaptureResourceLogs()
    {
        var loggers = App.Services.GetRequiredService<ResourceLoggerService>();
        foreach (var resource in Resources)
        {
            var queue = _logs.GetOrAdd(resource.Name, _ => new ConcurrentQueue<string>());
            _ = Task.Run(async () =>
            {
                try
                {
                    await foreach (var batch in loggers.WatchAsync(resource).WithCancellation(_stopping.Token))
                    {
                        foreach (var line in batch)
                        {
                            queue.Enqueue(line.Content);
                            while (queue.Count > 500 && queue.TryDequeue(out _))
                            {
                            }
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                }
            });
        }
    }
}

[CollectionDefinition(nameof(AppTestGroup))]
public sealed class AppTestGroup : ICollectionFixture<AppFixture>;
