using System.Text.Json;

namespace PolyglotAspire.AppHost.Tests;

/// <summary>
/// What azd deploys to Azure Container Apps: the manifest the README's deploy steps generate. Containers, projects,
/// parameters and connection strings only — never a local executable — with both APIs external, no storage that
/// Container Apps would put on an SMB share, and every password a secret parameter.
/// </summary>
public sealed class PublishManifestTests(PublishedManifest manifest) : IClassFixture<PublishedManifest>
{
    private static readonly string[] AllowedTypes = ["container.v0", "container.v1", "project.v0", "project.v1", "parameter.v0", "value.v0", "annotated.string"];

    [Fact]
    public void The_manifest_holds_containers_projects_and_parameters_but_no_executable()
    {
        Assert.All(manifest.Resources, r => Assert.Contains(r.Value.GetProperty("type").GetString(), AllowedTypes));
        Assert.Equal("container.v0", Type("postgres"));
        Assert.Equal("container.v0", Type("kafka"));
        Assert.All(["orders-api", "sync-worker", "analytics-api"], service => Assert.StartsWith("project.", Type(service), StringComparison.Ordinal));
        Assert.Equal("{ordersdb.connectionString}", manifest.Resources["orders-api"].GetProperty("env").GetProperty("ConnectionStrings__ordersdb").GetString());
    }

    [Fact]
    public void Both_APIs_have_external_HTTP_endpoints_and_the_worker_stays_internal()
    {
        Assert.All(["orders-api", "analytics-api"], api => Assert.All(Bindings(api), b =>
            Assert.True(b.Value.TryGetProperty("external", out var external) && external.GetBoolean(), $"{api} {b.Name} must be external")));
        Assert.All(Bindings("sync-worker"), b => Assert.False(b.Value.TryGetProperty("external", out _), $"sync-worker {b.Name} must be internal"));
        Assert.All(["postgres", "kafka", "clickhouse"], engine => Assert.All(Bindings(engine), b =>
            Assert.False(b.Value.TryGetProperty("external", out _), $"{engine} {b.Name} must be internal")));
    }

    [Fact]
    public void No_engine_publishes_a_volume_or_a_bind_mount()
    {
        // On Container Apps both become Azure Files (SMB) shares: PostgreSQL's initdb fails there, ClickHouse needs hard links.
        Assert.All(manifest.Resources, r => Assert.False(r.Value.TryGetProperty("volumes", out _) || r.Value.TryGetProperty("bindMounts", out _),
            $"{r.Key} publishes storage"));
    }

    [Fact]
    public void ClickHouse_is_built_from_the_Dockerfile_that_bakes_in_the_app_users()
    {
        var clickhouse = manifest.Resources["clickhouse"];
        Assert.Equal("container.v1", clickhouse.GetProperty("type").GetString());
        var build = clickhouse.GetProperty("build");
        var folder = Path.Combine(PublishedManifest.AppHostDirectory, "ClickHouse");
        Assert.Equal(folder, manifest.FullPath(build.GetProperty("context").GetString()!));
        Assert.Equal(Path.Combine(folder, "Dockerfile"), manifest.FullPath(build.GetProperty("dockerfile").GetString()!));
    }

    [Fact]
    public void Every_password_is_a_secret_parameter()
    {
        string[] parameters = ["clickhouse-admin-password", "clickhouse-reader-password", "clickhouse-writer-password", "postgres-password", "ordersdb-reader-password", "orders-api-client-secret"];
        Assert.All(parameters, name => Assert.True(
            manifest.Resources[name].GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean(), $"{name} must be a secret parameter"));

        // Wherever a password appears, it is a reference to one of those parameters, never a literal.
        var clickhouse = manifest.Resources["clickhouse"].GetProperty("env");
        Assert.Equal("{clickhouse-admin-password.value}", clickhouse.GetProperty("CLICKHOUSE_PASSWORD").GetString());
        Assert.Equal("{clickhouse-writer-password.value}", clickhouse.GetProperty("CLICKHOUSE_WRITER_PASSWORD").GetString());
        Assert.Equal("{clickhouse-reader-password.value}", clickhouse.GetProperty("CLICKHOUSE_READER_PASSWORD").GetString());
        Assert.Equal("{postgres-password.value}", manifest.Resources["postgres"].GetProperty("env").GetProperty("POSTGRES_PASSWORD").GetString());
        Assert.All(["clickhouse-writer", "clickhouse-reader", "clickhouse-admin"], name => Assert.Contains(
            $"Password={{{name}-password.value}}", manifest.Resources[name].GetProperty("connectionString").GetString(), StringComparison.Ordinal));
    }

    [Fact]
    public void The_APIs_trust_the_identity_provider_named_by_parameters_and_no_signing_key_exists()
    {
        var parameters = manifest.Resources.Where(r => r.Value.GetProperty("type").GetString() == "parameter.v0").Select(r => r.Key).Order();
        Assert.Equal(["api-allowed-hosts", "auth-audience", "auth-authority", "auth-token-endpoint", "clickhouse-admin-password", "clickhouse-reader-password",
            "clickhouse-writer-password", "orders-api-client-id", "orders-api-client-secret", "ordersdb-reader-password", "postgres-password"], parameters);
        Assert.All(["api-allowed-hosts", "auth-audience", "auth-authority", "auth-token-endpoint", "orders-api-client-id"], name => Assert.False(
            manifest.Resources[name].GetProperty("inputs").GetProperty("value").TryGetProperty("secret", out _), $"{name} is configuration, not a secret"));
        Assert.All(["orders-api", "sync-worker", "analytics-api"], service =>
        {
            var env = manifest.Resources[service].GetProperty("env");
            Assert.Equal("{auth-authority.value}", env.GetProperty("Authentication__Authority").GetString());
            Assert.Equal("{auth-audience.value}", env.GetProperty("Authentication__Audience").GetString());
        });
        Assert.All(["orders-api", "analytics-api"], api =>
            Assert.Equal("{api-allowed-hosts.value}", manifest.Resources[api].GetProperty("env").GetProperty("AllowedHosts").GetString()));
        Assert.DoesNotContain("SigningKey", manifest.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("auth-signing-key", manifest.Text, StringComparison.Ordinal);
    }

    private string? Type(string resource) => manifest.Resources[resource].GetProperty("type").GetString();

    private JsonElement.ObjectEnumerator Bindings(string resource) => manifest.Resources[resource].GetProperty("bindings").EnumerateObject();
}
