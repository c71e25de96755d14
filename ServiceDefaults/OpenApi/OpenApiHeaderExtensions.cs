using Microsoft.AspNetCore.Builder;

namespace Microsoft.Extensions.Hosting;

/// <summary>Declares headers for the OpenAPI document (<see cref="DocumentedHeader"/>); on a group, for each of its endpoints.</summary>
public static class OpenApiHeaderExtensions
{
    public static TBuilder WithRequestHeader<TBuilder>(this TBuilder builder, string name, string description)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new DocumentedHeader(name, description));

    /// <summary>A header the response with <paramref name="statusCode"/> carries (declare that response too).</summary>
    public static TBuilder WithResponseHeader<TBuilder>(this TBuilder builder, int statusCode, string name, string description)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new DocumentedHeader(name, description, statusCode));
}
