using PolyglotAspire.OrdersApi.Application;
using PolyglotAspire.OrdersApi.Data;
using PolyglotAspire.OrdersApi.Domain;

namespace PolyglotAspire.OrdersApi.UnitTests;

public sealed class IdempotencyTests
{
    private static NewOrder Order(params OrderLine[] lines) => new("c", "eu", "EUR", lines, lines.Sum(l => l.Quantity * l.UnitPrice));

    [Fact]
    public void Equal_meaning_gives_equal_fingerprints()
    {
        Assert.Equal(Idempotency.Fingerprint(Order(new OrderLine("S", 1, 1.5m))), Idempotency.Fingerprint(Order(new OrderLine("S", 1, 1.50m))));
    }

    [Fact]
    public void Any_change_of_meaning_changes_the_fingerprint()
    {
        var baseline = Idempotency.Fingerprint(Order(new OrderLine("S", 1, 1.5m)));
        Assert.NotEqual(baseline, Idempotency.Fingerprint(Order(new OrderLine("S", 2, 1.5m))));
        Assert.NotEqual(baseline, Idempotency.Fingerprint(Order(new OrderLine("T", 1, 1.5m))));
        Assert.NotEqual(baseline, Idempotency.Fingerprint(Order(new OrderLine("S", 1, 1.51m))));
        Assert.NotEqual(baseline, Idempotency.Fingerprint(Order(new OrderLine("S", 1, 1.5m), new OrderLine("S", 1, 1.5m))));
        Assert.NotEqual(baseline, Idempotency.Fingerprint(Order(new OrderLine("S", 1, 1.5m)) with { Currency = "USD" }));
        // Length prefixes: moving characters between fields is a different request.
        Assert.NotEqual(Idempotency.Fingerprint(Order(new OrderLine("S", 1, 1m)) with { CustomerId = "ab", Region = "c" }),
            Idempotency.Fingerprint(Order(new OrderLine("S", 1, 1m)) with { CustomerId = "a", Region = "bc" }));
    }

    [Theory]
    [InlineData("a", true)]
    [InlineData("3f6c1e0a-retry-1", true)]
    [InlineData("", false)]
    [InlineData("with space", false)]
    [InlineData("tab\t", false)]
    [InlineData("é", false)]
    public void Idempotency_keys_are_visible_ASCII(string key, bool valid) =>
        Assert.Equal(valid, Idempotency.IsValidKey(key));

    [Fact]
    public void Idempotency_keys_have_at_most_255_characters()
    {
        Assert.True(Idempotency.IsValidKey(new string('k', 255)));
        Assert.False(Idempotency.IsValidKey(new string('k', 256)));
    }

    [Fact]
    public void A_reused_key_replays_only_the_same_request()
    {
        var first = Idempotency.Fingerprint(Order(new OrderLine("S", 1, 1.5m)));
        var earlier = new IdempotencyRecord("key", first, [1, 2, 3]);
        Assert.Equal(CreateOutcome.Replayed, Idempotency.OutcomeOfReuse(earlier, Idempotency.Fingerprint(Order(new OrderLine("S", 1, 1.50m)))));
        Assert.Equal(CreateOutcome.KeyReused, Idempotency.OutcomeOfReuse(earlier, Idempotency.Fingerprint(Order(new OrderLine("S", 2, 1.5m)))));
    }
}
