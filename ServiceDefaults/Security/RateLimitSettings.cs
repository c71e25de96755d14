using System.ComponentModel.DataAnnotations;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Per-caller limits (section <c>RateLimiting</c>): a token bucket per caller — the token's subject, else the client's IP
/// address — for each policy. Past it: 429 with <c>Retry-After</c>. Defaults suit people and ordinary clients; a load
/// test raises them through the AppHost (<c>RateLimiting:Writes:TokenLimit=…</c>).
/// </summary>
public sealed class RateLimitSettings
{
    public const string SectionName = "RateLimiting";

    /// <summary>Order writes (create, change status, delete).</summary>
    [Required]
    public TokenBucketSettings Writes { get; set; } = new() { TokenLimit = 200, TokensPerPeriod = 100, ReplenishmentPeriod = TimeSpan.FromSeconds(1) };

    /// <summary>Analytics questions that may scan much (revenue, top customers, summary, reconciliation).</summary>
    [Required]
    public TokenBucketSettings ExpensiveReads { get; set; } = new() { TokenLimit = 60, TokensPerPeriod = 20, ReplenishmentPeriod = TimeSpan.FromSeconds(1) };

    /// <summary>Both buckets within their ranges (data annotations do not look into nested objects).</summary>
    public bool IsValid() => Valid(Writes) && Valid(ExpensiveReads);

    private static bool Valid(TokenBucketSettings bucket) =>
        Validator.TryValidateObject(bucket, new ValidationContext(bucket), null, validateAllProperties: true);
}
