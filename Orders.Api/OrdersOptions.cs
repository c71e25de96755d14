using System.ComponentModel.DataAnnotations;

namespace PolyglotAspire.OrdersApi;

/// <summary>Write API settings (section <c>Orders</c>).</summary>
public sealed class OrdersOptions
{
    public const string SectionName = "Orders";

    /// <summary>Largest request body accepted (413 above). 64 KiB holds 100 lines with room to spare.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxRequestBodyBytes { get; set; } = 64 * 1024;

    [Range(1, 1000)]
    public int DefaultPageSize { get; set; } = 20;

    [Range(1, 1000)]
    public int MaxPageSize { get; set; } = 100;

    /// <summary>How long an <c>Idempotency-Key</c> is remembered; a retry after that creates a new order.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan IdempotencyKeyRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often expired idempotency keys are purged.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan IdempotencyPurgeInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// A status change or delete without <c>If-Match</c> is retried this many times when another write changed the
    /// order between its read and its write (optimistic concurrency), then answered 409.
    /// </summary>
    [Range(0, 20)]
    public int ConcurrentChangeRetries { get; set; } = 3;

    /// <summary>
    /// Longest a <c>Prefer: consistency=strong</c> write waits to become visible in analytics (a caller's
    /// <c>wait=</c> may shorten it). Measured commit→visible p99 is well under a second at 2,000 orders/s; 5 s rides
    /// out a batch retry. Below the HTTP client's 10 s attempt timeout so one wait is one request.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:09")]
    public TimeSpan StrongConsistencyMaxWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Analytics.Api's address (service discovery name by default), asked whether a strong write is visible.</summary>
    [Required]
    public Uri AnalyticsBaseAddress { get; set; } = new("http://analytics-api");
}
