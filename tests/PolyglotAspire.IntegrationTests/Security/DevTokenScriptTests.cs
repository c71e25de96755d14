using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace PolyglotAspire.IntegrationTests.Security;

/// <summary>
/// <c>eng/dev-token.sh</c> before the app ever ran: it creates the AppHost's signing-key user secret (the one the AppHost
/// then uses) and signs with it; later runs reuse it. Runs with a HOME of its own, so no real user secrets are touched.
/// </summary>
public sealed class DevTokenScriptTests : IDisposable
{
    private const string SecretsId = "polyglot-aspire-apphost-5b1d4e8a"; // AppHost.csproj's UserSecretsId
    private readonly string _home = Directory.CreateTempSubdirectory("polyglot-dev-token-").FullName;

    [Fact]
    public async Task First_use_creates_the_AppHosts_secret_and_signs_with_it()
    {
        var first = await RunAsync("orders:read", "admin");
        var secrets = Path.Combine(_home, ".microsoft", "usersecrets", SecretsId, "secrets.json");
        Assert.True(File.Exists(secrets), "the script stored no key in the AppHost's user secrets");
        var key = JsonDocument.Parse(await File.ReadAllTextAsync(secrets, TestContext.Current.CancellationToken)).RootElement.GetProperty("Parameters:auth-signing-key").GetString()!;
        Assert.Equal(64, key.Length);

        var second = await RunAsync("analytics:read");
        foreach (var token in new[] { first, second })
        {
            var parts = token.Split('.');
            Assert.Equal(3, parts.Length);
            var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]));
            Assert.Equal(Base64Url.EncodeToString(signature), parts[2]);
        }

        var claims = JsonDocument.Parse(Base64Url.DecodeFromChars(first.Split('.')[1])).RootElement;
        Assert.Equal("orders:read admin", claims.GetProperty("scope").GetString());
        Assert.Equal("polyglot-aspire", claims.GetProperty("aud").GetString());
        Assert.Equal("polyglot-aspire-dev", claims.GetProperty("iss").GetString());
        Assert.Equal(3600, claims.GetProperty("exp").GetInt64() - claims.GetProperty("iat").GetInt64());
    }

    [Fact]
    public async Task An_unknown_scope_is_refused()
    {
        var (exitCode, _, error) = await DevTokenScript.RunAsync(Environment, "orders:everything");
        Assert.NotEqual(0, exitCode);
        Assert.Contains("unknown scope", error, StringComparison.Ordinal);
    }

    private Dictionary<string, string?> Environment => new() { ["HOME"] = _home, ["DOTNET_CLI_HOME"] = _home };

    private Task<string> RunAsync(params string[] scopes) => DevTokenScript.TokenAsync(Environment, scopes);

    public void Dispose() => Directory.Delete(_home, recursive: true);
}
