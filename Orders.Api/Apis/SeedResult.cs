namespace PolyglotAspire.OrdersApi.Apis;

/// <summary>What <c>POST /api/admin/seed</c> wrote; the token of its last write makes a read wait for all of it.</summary>
public sealed record SeedResult(int Orders, int Days, string ConsistencyToken);
