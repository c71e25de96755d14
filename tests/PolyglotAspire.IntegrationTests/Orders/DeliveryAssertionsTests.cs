using PolyglotAspire.Contracts;

namespace PolyglotAspire.IntegrationTests.Orders;

/// <summary>The delivery check the fault tests rely on must itself be able to fail (issue 13, tests that must become honest).</summary>
public sealed class DeliveryAssertionsTests
{
    private static readonly Guid Order = Guid.CreateVersion7();

    private static List<CapturedMessage> Deliveries(params int[] versions) =>
        [.. versions.Select((v, i) => new CapturedMessage(0, i, null, new OrderEvent { OrderId = Order, OrderVersion = v, EventType = OrderEventType.StatusChanged }))];

    private static void Check(params int[] versions) =>
        DeliveryAssertions.AssertOrderedWithoutLoss(Deliveries(versions), new Dictionary<Guid, int> { [Order] = versions.Max() });

    [Theory]
    [InlineData(new[] { 1, 2, 3 })]
    [InlineData(new[] { 1, 2, 3, 2, 3 })]       // a replay of a suffix after a crash
    [InlineData(new[] { 1, 2, 2, 3 })]          // a producer retry
    [InlineData(new[] { 1, 2, 3, 2, 2, 3 })]    // a replay cut short by another crash, then replayed again
    public void Replays_of_a_suffix_in_order_pass(int[] versions) => Check(versions);

    [Theory]
    [InlineData(new[] { 1, 2, 3, 2 })]          // an older version delivered after the newest, and nothing after it
    [InlineData(new[] { 1, 2, 3, 1, 3 })]       // a replay that skips a version
    [InlineData(new[] { 1, 3, 2 })]             // a reorder
    [InlineData(new[] { 1, 3 })]                // a gap
    public void An_older_version_after_a_newer_one_a_gap_or_a_reorder_fails(int[] versions) =>
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => Check(versions));
}
