using Aspire.Hosting.ApplicationModel;
using PolyglotAspire.AppHost.Security;

namespace PolyglotAspire.AppHost.Tests;

/// <summary>
/// How the services learn to validate tokens when the app runs: by default the AppHost's generated signing key (the
/// secret <c>eng/dev-token.sh</c> signs with); with <c>Parameters:auth-authority</c> set, the identity provider only.
/// Published: PublishManifestTests.
/// </summary>
public sealed class AuthenticationModelTests
{
    private static readonly string[] Services = ["orders-api", "sync-worker", "analytics-api"];

    [Fact]
    public async Task A_local_run_gives_every_service_the_generated_signing_key_and_nothing_else()
    {
        await using var app = await AppModel.BuildAsync("Infrastructure:Mode=local");

        var key = app.Resource<ParameterResource>(ApiAuthentication.SigningKeyName);
        Assert.True(key.Secret);
        Assert.Equal(ApiAuthentication.SigningKeyLength, (await key.GetValueAsync(TestContext.Current.CancellationToken))!.Length);
        foreach (var service in Services)
        {
            var env = await app.Resource<ProjectResource>(service).PublishedEnvironmentAsync();
            Assert.Equal($"{{{ApiAuthentication.SigningKeyName}.value}}", env["Authentication__SigningKey"]);
            Assert.DoesNotContain(env.Keys, k => k.StartsWith("Authentication__", StringComparison.Ordinal) && k != "Authentication__SigningKey");
        }
    }

    [Fact]
    public async Task With_an_authority_no_signing_key_exists_and_the_services_trust_the_identity_provider()
    {
        await using var app = await AppModel.BuildAsync("Infrastructure:Mode=local",
            "Parameters:auth-authority=https://login.microsoftonline.com/tenant/v2.0", "Parameters:auth-audience=api://polyglot",
            "Parameters:auth-token-endpoint=https://login.microsoftonline.com/tenant/oauth2/v2.0/token",
            "Parameters:orders-api-client-id=client", "Parameters:orders-api-client-secret=secret");

        var model = app.App.Services.GetRequiredService<DistributedApplicationModel>();
        Assert.DoesNotContain(model.Resources, r => r.Name == ApiAuthentication.SigningKeyName);
        foreach (var service in Services)
        {
            var env = await app.Resource<ProjectResource>(service).PublishedEnvironmentAsync();
            Assert.DoesNotContain("Authentication__SigningKey", env.Keys);
            Assert.Equal("{auth-authority.value}", env["Authentication__Authority"]);
            Assert.Equal("{auth-audience.value}", env["Authentication__Audience"]);
        }
    }
}
