using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace PolyglotAspire.ServiceDefaults.UnitTests;

/// <summary>
/// A small web app on a real port with ServiceDefaults' security set-up, as both APIs have it: <c>POST /api/write</c>
/// (orders:write, the writes limit) and <c>GET /api/analytics/scan</c> (analytics:read by route, the expensive-reads limit).
/// </summary>
internal sealed class SecuredApp : IAsyncDisposable
{
    public const string Key = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ";

    private SecuredApp(WebApplication app, Uri address)
    {
        App = app;
        Address = address;
    }

    public WebApplication App { get; }

    public Uri Address { get; }

    public static async Task<SecuredApp> StartAsync(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddPolyglotAuthentication();
        builder.Services.AddProblemDetails();
        var app = builder.Build();
        app.UsePolyglotAuthentication();
        app.MapPost("/api/write", () => TypedResults.Ok()).RequireScope(PolyglotScopes.OrdersWrite).RequireRateLimiting(SecurityExtensions.WritesRateLimit);
        app.MapGet("/api/analytics/scan", () => TypedResults.Ok()).RequireRateLimiting(SecurityExtensions.ExpensiveReadsRateLimit);
        try
        {
            await app.StartAsync(TestContext.Current.CancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new SecuredApp(app, new Uri(address));
    }

    public HttpClient Client(string? token)
    {
        var http = new HttpClient { BaseAddress = Address };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return http;
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
