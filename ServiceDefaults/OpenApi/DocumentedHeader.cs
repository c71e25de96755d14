namespace Microsoft.Extensions.Hosting;

/// <summary>
/// A header an endpoint reads or writes outside model binding (a filter or the handler reads it raw), so the OpenAPI
/// generator cannot see it: endpoint metadata that <see cref="HeadersOpenApiTransformer"/> writes into the document.
/// <paramref name="StatusCode"/> is null for a request header, else the response that carries it.
/// </summary>
public sealed record DocumentedHeader(string Name, string Description, int? StatusCode = null);
