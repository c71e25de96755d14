using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace PolyglotAspire.ServiceDefaults.UnitTests;

/// <summary>ServiceDefaults' security set-up: per-caller rate limits, and what it refuses to start with or to accept.</summary>
public sealed class SecurityTests
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    private static Dictionary<string, string?> Settings(params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Authentication:SigningKey"] = SecuredApp.Key,
            ["RateLimiting:Writes:TokenLimit"] = "2",
            ["RateLimiting:Writes:TokensPerPeriod"] = "1",
            ["RateLimiting:Writes:ReplenishmentPeriod"] = "00:01:00",
            ["RateLimiting:ExpensiveReads:TokenLimit"] = "1",
            ["RateLimiting:ExpensiveReads:TokensPerPeriod"] = "1",
            ["RateLimiting:ExpensiveReads:ReplenishmentPeriod"] = "00:01:00",
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }

    [Fact]
    public async Task Each_caller_has_its_own_limit_past_which_it_gets_429_with_Retry_After_as_a_problem()
    {
        await using var app = await SecuredApp.StartAsync(Settings());
        using var alice = app.Client(DevTokens.Create(SecuredApp.Key, [PolyglotScopes.OrdersWrite, PolyglotScopes.AnalyticsRead], subject: "alice"));
        using var bob = app.Client(DevTokens.Create(SecuredApp.Key, [PolyglotScopes.OrdersWrite, PolyglotScopes.AnalyticsRead], subject: "bob"));

        for (var i = 0; i < 2; i++)
        {
            using var allowed = await alice.PostAsync(new Uri("/api/write", UriKind.Relative), null, _ct);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        using var limited = await alice.PostAsync(new Uri("/api/write", UriKind.Relative), null, _ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        Assert.Equal(429, JsonDocument.Parse(await limited.Content.ReadAsStringAsync(_ct)).RootElement.GetProperty("status").GetInt32());
        var retryAfter = limited.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));

        // Another caller is not held back by the first; expensive reads have a bucket of their own.
        using var other = await bob.PostAsync(new Uri("/api/write", UriKind.Relative), null, _ct);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        using var read = await alice.GetAsync(new Uri("/api/analytics/scan", UriKind.Relative), _ct);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        using var readAgain = await alice.GetAsync(new Uri("/api/analytics/scan", UriKind.Relative), _ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, readAgain.StatusCode);
    }

    [Fact]
    public async Task A_service_without_a_key_or_an_authority_does_not_start()
    {
        var settings = Settings();
        settings.Remove("Authentication:SigningKey");
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => SecuredApp.StartAsync(settings));
        Assert.Contains("Authentication:Authority", error.Message, StringComparison.Ordinal);

        var weak = await Assert.ThrowsAsync<OptionsValidationException>(() => SecuredApp.StartAsync(Settings(("Authentication:SigningKey", "short"))));
        Assert.Contains("at least", weak.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_an_authority_its_tokens_are_accepted_and_the_local_key_is_not()
    {
        await using var idp = await FakeIdentityProvider.StartAsync();
        await using var app = await SecuredApp.StartAsync(Settings(
            ("Authentication:Authority", idp.Authority), ("Authentication:RequireHttpsMetadata", "false"), ("Authentication:Audience", "api://polyglot")));

        using var person = app.Client(idp.Token("api://polyglot", PolyglotScopes.OrdersWrite));
        using var accepted = await person.PostAsync(new Uri("/api/write", UriKind.Relative), null, _ct);
        Assert.True(accepted.StatusCode == HttpStatusCode.OK, $"{accepted.StatusCode} {accepted.Headers.WwwAuthenticate}");

        using var otherAudience = app.Client(idp.Token("api://another", PolyglotScopes.OrdersWrite));
        using var refusedAudience = await otherAudience.PostAsync(new Uri("/api/write", UriKind.Relative), null, _ct);
        Assert.Equal(HttpStatusCode.Unauthorized, refusedAudience.StatusCode);

        using var local = app.Client(DevTokens.Create(SecuredApp.Key, [PolyglotScopes.OrdersWrite], audience: "api://polyglot", issuer: idp.Authority));
        using var refused = await local.PostAsync(new Uri("/api/write", UriKind.Relative), null, _ct);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }
}
