using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace PolyglotAspire.AppHost.Tests;

/// <summary>The AppHost's model built with the given configuration; nothing is started.</summary>
internal sealed class AppModel(IDistributedApplicationTestingBuilder builder, DistributedApplication app) : IAsyncDisposable
{
    public DistributedApplication App { get; } = app;

    public static async Task<AppModel> BuildAsync(params string[] args)
    {
        // Nothing starts here, so do not wait for a container runtime this machine may not have (default 30 s).
        string[] quick = ["DcpPublisher:ContainerRuntimeInitializationTimeout=00:00:01", .. args];
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(quick);
        try
        {
            return new AppModel(builder, await builder.BuildAsync());
        }
        catch
        {
            await builder.DisposeAsync();
            throw;
        }
    }

    /// <summary>The model as publishing sees it (always containers): what the manifest and Azure Container Apps get.</summary>
    public static Task<AppModel> BuildForPublishAsync() =>
        BuildAsync("--publisher", "manifest", "--output-path", Path.Combine(Path.GetTempPath(), "unused-manifest.json"));

    public T Resource<T>(string name) where T : IResource =>
        Assert.IsType<T>(App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == name), exactMatch: false);

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await builder.DisposeAsync();
    }
}

internal static class ResourceConfiguration
{
    /// <summary>Environment variables as the manifest would write them (expressions such as <c>{kafka.connectionString}</c>).</summary>
    public static async Task<Dictionary<string, string>> PublishedEnvironmentAsync(this IResourceWithEnvironment resource)
    {
        var configuration = await ExecutionConfigurationBuilder.Create(resource)
            .WithEnvironmentVariablesConfig()
            .BuildAsync(new(DistributedApplicationOperation.Publish), NullLogger.Instance, CancellationToken.None);
        return configuration.EnvironmentVariables.ToDictionary();
    }

    /// <summary>Arguments as the manifest would write them.</summary>
    public static async Task<string[]> PublishedArgumentsAsync(this IResourceWithArgs resource)
    {
        var configuration = await ExecutionConfigurationBuilder.Create(resource)
            .WithArgumentsConfig()
            .BuildAsync(new(DistributedApplicationOperation.Publish), NullLogger.Instance, CancellationToken.None);
        return configuration.Arguments.Select(a => a.Value).ToArray();
    }
}
