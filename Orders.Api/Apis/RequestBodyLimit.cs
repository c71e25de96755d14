using Microsoft.AspNetCore.Http.Metadata;

namespace PolyglotAspire.OrdersApi.Apis;

/// <summary>Endpoint metadata the routing middleware applies to Kestrel's body size limit (a larger body is 413).</summary>
internal sealed class RequestBodyLimit(long maxBytes) : IRequestSizeLimitMetadata
{
    public long? MaxRequestBodySize { get; } = maxBytes;
}
