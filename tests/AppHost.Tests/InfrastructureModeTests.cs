using Aspire.Hosting;
using Microsoft.Extensions.Configuration;
using PolyglotAspire.AppHost.Infrastructure;

namespace PolyglotAspire.AppHost.Tests;

public sealed class InfrastructureModeTests
{
    private static readonly DistributedApplicationExecutionContext Run = new(DistributedApplicationOperation.Run);
    private static readonly DistributedApplicationExecutionContext Publish = new(DistributedApplicationOperation.Publish);

    [Theory]
    [InlineData("containers", InfrastructureMode.Containers)]
    [InlineData("Local", InfrastructureMode.Local)]
    [InlineData("EXTERNAL", InfrastructureMode.External)]
    public void An_explicit_mode_is_used_as_configured(string configured, InfrastructureMode expected) =>
        Assert.Equal(expected, InfrastructureModeResolver.Resolve(Configuration(configured), Run));

    [Theory]
    [InlineData("local")]
    [InlineData("containers")]
    [InlineData("auto")]
    public void Publishing_uses_containers_never_local_executables(string configured) =>
        Assert.Equal(InfrastructureMode.Containers, InfrastructureModeResolver.Resolve(Configuration(configured), Publish));

    [Theory]
    [InlineData("external")]
    [InlineData("External")]
    public void Publishing_in_external_mode_publishes_connection_strings_to_managed_services(string configured) =>
        Assert.Equal(InfrastructureMode.External, InfrastructureModeResolver.Resolve(Configuration(configured), Publish));

    [Fact]
    public void Auto_resolves_to_a_concrete_mode() =>
        Assert.Contains(InfrastructureModeResolver.Resolve(Configuration("auto"), Run), new[] { InfrastructureMode.Containers, InfrastructureMode.Local });

    private static IConfiguration Configuration(string mode) =>
        new ConfigurationBuilder().AddInMemoryCollection([new(InfrastructureModeResolver.ConfigurationKey, mode)]).Build();
}
