using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;

namespace PolyglotAspire.ServiceDefaults.UnitTests;

/// <summary>The OpenAPI document and the reference UI both APIs map through ServiceDefaults exist in Development only.</summary>
public sealed class ApiDocumentationTests
{
    [Theory]
    [InlineData("Development", true)]
    [InlineData("Production", false)]
    [InlineData("Staging", false)]
    public async Task The_document_and_its_UI_are_mapped_in_Development_only(string environment, bool mapped)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.AddApiDocumentation();
        await using var app = builder.Build();

        app.MapApiDocumentation("test");

        var routes = ((IEndpointRouteBuilder)app).DataSources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .Select(e => e.RoutePattern.RawText ?? "").ToList();
        Assert.Equal(mapped, routes.Any(r => r.StartsWith("/openapi/", StringComparison.Ordinal)));
        Assert.Equal(mapped, routes.Any(r => r.StartsWith("/scalar", StringComparison.Ordinal)));
    }
}
