using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Bearer tokens signed with the AppHost's symmetric key (HS256): what <c>eng/dev-token.sh</c> prints, what tests, the
/// load harness and a service calling another service locally present. The same format everywhere (docs/security.md):
/// header <c>{"alg":"HS256","typ":"JWT"}</c>; claims <c>iss</c>, <c>sub</c>, <c>aud</c>, <c>scope</c> (space-separated),
/// <c>client_id</c>, <c>iat</c>, <c>nbf</c>, <c>exp</c>, <c>jti</c>. Only an API configured with that key accepts them.
/// </summary>
public static class DevTokens
{
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromHours(1);

    public static string Create(
        string signingKey,
        IEnumerable<string> scopes,
        string subject = "dev-user",
        TimeSpan? lifetime = null,
        string issuer = AuthenticationSettings.DevIssuer,
        string audience = AuthenticationSettings.DefaultAudience,
        DateTimeOffset? now = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(signingKey);
        var issuedAt = (now ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        var expires = issuedAt + (long)(lifetime ?? DefaultLifetime).TotalSeconds;
        var header = """{"alg":"HS256","typ":"JWT"}"""u8.ToArray();
        var payload = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["iss"] = issuer,
            ["sub"] = subject,
            ["aud"] = audience,
            ["scope"] = string.Join(' ', scopes),
            ["client_id"] = "polyglot-dev-token",
            ["iat"] = issuedAt,
            ["nbf"] = issuedAt,
            ["exp"] = expires,
            ["jti"] = Guid.NewGuid().ToString("N"),
        });
        var signingInput = Base64Url.EncodeToString(header) + "." + Base64Url.EncodeToString(payload);
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(signingKey), Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }
}
