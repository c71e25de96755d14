using System.Collections.Concurrent;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PolyglotAspire.AppHost.Infrastructure;

namespace PolyglotAspire.IntegrationTests.Infrastructure;

/// <summary>
/// The whole app, started once for the test collection through <see cref="DistributedApplicationTestingBuilder"/>
/// in local mode on real engines, with a fresh data directory (random ports: it can run beside a dev AppHost).
/// </summary>
public sealed class AppFixture : IAsyncLifetime
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
            ["Infrastructure:Mode=local", $"Infrastructure:DataPath={_dataPath}"], timeout.Token);
        builder.Services.AddLogging(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Aspire.Hosting.Dcp", LogLevel.Error));

        App = await builder.BuildAsync(timeout.Token);
        CaptureResourceLogs();
        await App.StartAsync(timeout.Token);

        await Task.WhenAll(Resources.Select(r => WaitForHealthyAsync(r.Name, timeout.Token)));
    }

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

    /// <summary>The last lines a resource wrote, for failure messages.</summary>
    public string RecentLogs(string resource, int lines = 40) =>
        _logs.TryGetValue(resource, out var queue) ? string.Join(Environment.NewLine, queue.TakeLast(lines)) : "(no logs)";

    private async Task WaitForHealthyAsync(string name, CancellationToken cancellationToken)
    {
        var outcome = await App.ResourceNotifications.WaitForResourceAsync(name, e =>
            e.Snapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy
            || e.Snapshot.State?.Text is { } state && (state == KnownResourceStates.FailedToStart || KnownResourceStates.TerminalStates.Contains(state)),
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
                    await foreach (var batch in loggers.WatchAsync(resource.Name).WithCancellation(_stopping.Token))
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
