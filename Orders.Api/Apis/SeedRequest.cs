namespace PolyglotAspire.OrdersApi.Apis;

/// <summary>The body of <c>POST /api/admin/seed</c> (optional): how many demo orders, created over how many past days.</summary>
public sealed record SeedRequest(int? Orders = null, int? Days = null, int? Seed = null)
{
    public const int DefaultOrders = 3_000;
    public const int DefaultDays = 180;
}
