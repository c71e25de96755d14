using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Scalar.AspNetCore;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The same API documentation for both APIs: the OpenAPI document (<c>/openapi/v1.json</c>, with the headers endpoints
/// declare) and the Scalar reference UI (<c>/scalar/</c>), in Development only. Scalar because it is on this machine's
/// NuGet registry and serves its script from the package itself (no CDN); no web fonts, telemetry, AI agent or MCP.
/// </summary>
public static class ApiDocumentationExtensions
{
    public const string DocumentPath = "/openapi/v1.json";
    public const string UiPath = "/scalar/";

    public static IHostApplicationBuilder AddApiDocumentation(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(options => options.AddOperationTransformer<HeadersOpenApiTransformer>());
        return builder;
    }

    /// <summary>Maps the document and its UI when the environment is Development; elsewhere neither exists (404).</summary>
    public static WebApplication MapApiDocumentation(this WebApplication app, string title)
    {
        if (app.Environment.IsDevelopment())
        {
            // Anonymous: it exists only in Development (SecurityExtensions.AsDocumentation).
            app.MapOpenApi().AsDocumentation(app.Environment);
            app.MapScalarApiReference(options => options
                .WithTitle(title)
                .DisableDefaultFonts()
                .DisableTelemetry()
                .DisableAgent()
                .DisableMcp()).AsDocumentation(app.Environment);
        }

        return app;
    }
}
