using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Documents the bearer scheme (JWT, <c>Authorization: Bearer …</c>) and, on each operation, the scope it requires (its
/// security requirement lists it — OpenAPI 3.1 allows role names there — and its description says it), with the 401
/// and 403 answers. Operations that allow anonymous callers get no requirement.
/// </summary>
internal sealed class BearerOpenApiTransformer : IOpenApiDocumentTransformer, IOpenApiOperationTransformer
{
    public const string SchemeName = "Bearer";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[SchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "A JWT access token carrying the operation's scope (" + string.Join(", ", PolyglotScopes.All) + ") in 'scope', 'scp' or 'roles'. " +
                          "Locally: eng/dev-token.sh SCOPE...; in production: the configured identity provider.",
        };
        return Task.CompletedTask;
    }

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<IAllowAnonymous>().Any())
        {
            return Task.CompletedTask;
        }

        var scopes = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>().Where(PolyglotScopes.All.Contains).Distinct().ToList();
        if (scopes.Count == 0 && RouteScopeRequirement.ScopeFor("/" + context.Description.RelativePath) is { } byRoute)
        {
            scopes.Add(byRoute); // the fallback policy's convention
        }

        operation.Security ??= [];
        operation.Security.Add(new OpenApiSecurityRequirement
        {
            [new OpenApiSecuritySchemeReference(SchemeName, context.Document)] = scopes,
        });
        var requires = scopes.Count == 0 ? "Requires a bearer token." : $"Requires a bearer token with scope {string.Join(", ", scopes)}.";
        operation.Description = string.IsNullOrEmpty(operation.Description) ? requires : operation.Description + " " + requires;
        operation.Responses ??= [];
        operation.Responses.TryAdd("401", new OpenApiResponse { Description = "No bearer token, or one that is not valid (problem details, WWW-Authenticate)." });
        if (scopes.Count > 0)
        {
            operation.Responses.TryAdd("403", new OpenApiResponse { Description = "The token lacks the scope (problem details, WWW-Authenticate: insufficient_scope)." });
        }

        return Task.CompletedTask;
    }
}
