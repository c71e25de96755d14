using Microsoft.Extensions.Options;
using PolyglotAspire.Contracts;

namespace PolyglotAspire.OrdersApi.Consistency;

/// <summary>
/// <c>Prefer: consistency=strong</c> on a write: once the handler has committed (it set the consistency token), the
/// response waits until analytics shows the change. Either way the write stays committed; the answer says which:
/// <c>Preference-Applied: consistency=strong</c> and <c>X-Analytics-Visible: true</c> when visible, otherwise
/// <c>X-Analytics-Visible: false</c> (budget ran out or analytics unreachable) without <c>Preference-Applied</c>.
/// </summary>
public sealed partial class StrongConsistencyFilter(IOptions<OrdersOptions> options, ILogger<StrongConsistencyFilter> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var preference = StrongConsistencyPreference.Parse(http.Request.Headers["Prefer"]);
        var result = await next(context);
        http.Response.Headers.Append("Vary", "Prefer");
        if (!preference.Requested
            || !ConsistencyToken.TryParse(http.Response.Headers[ConsistencyHeaders.Token].ToString(), out var token))
        {
            return result; // not asked for, or nothing was committed (a problem answer)
        }

        // Committed: from here on, whatever fails answers "committed, not yet visible", never an error (a client
        // told "500" would retry, and without an idempotency key create the order twice).
        var visible = false;
        try
        {
            var budget = preference.Budget(options.Value.StrongConsistencyMaxWait);
            // Resolved per request: a typed HttpClient must not outlive its handler rotation.
            var analytics = http.RequestServices.GetRequiredService<AnalyticsVisibilityClient>();
            visible = await analytics.WaitUntilVisibleAsync(token, budget, http.RequestAborted) == true;
        }
#pragma warning disable CA1031 // See above: the write is committed whatever happens here.
        catch (Exception ex) when (!http.RequestAborted.IsCancellationRequested)
#pragma warning restore CA1031
        {
            LogVisibilityUnknown(logger, ex);
        }

        http.Response.Headers[ConsistencyHeaders.AnalyticsVisible] = visible ? "true" : "false";
        if (visible)
        {
            http.Response.Headers[ConsistencyHeaders.PreferenceApplied] = StrongConsistencyPreference.Token;
        }

        return result;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A strong write committed but its visibility could not be checked; it answers X-Analytics-Visible: false")]
    private static partial void LogVisibilityUnknown(ILogger logger, Exception exception);
}
