using System.Globalization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Writes an operation's <see cref="DocumentedHeader"/> metadata into its OpenAPI operation: request headers as header
/// parameters (unless model binding already lists them), response headers on the response they belong to.
/// </summary>
internal sealed class HeadersOpenApiTransformer : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        foreach (var header in context.Description.ActionDescriptor.EndpointMetadata.OfType<DocumentedHeader>())
        {
            if (header.StatusCode is { } status)
            {
                var key = status.ToString(CultureInfo.InvariantCulture);
                if (operation.Responses?.TryGetValue(key, out var found) != true || found is not OpenApiResponse response)
                {
                    throw new InvalidOperationException(
                        $"{operation.OperationId}: header {header.Name} is declared on response {key}, which the endpoint does not declare.");
                }

                response.Headers ??= new Dictionary<string, IOpenApiHeader>(StringComparer.OrdinalIgnoreCase);
                response.Headers[header.Name] = new OpenApiHeader
                {
                    Description = header.Description,
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                };
            }
            else
            {
                operation.Parameters ??= [];
                if (!operation.Parameters.Any(p => p.In == ParameterLocation.Header && string.Equals(p.Name, header.Name, StringComparison.OrdinalIgnoreCase)))
                {
                    operation.Parameters.Add(new OpenApiParameter
                    {
                        Name = header.Name,
                        In = ParameterLocation.Header,
                        Description = header.Description,
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                    });
                }
            }
        }

        return Task.CompletedTask;
    }
}
