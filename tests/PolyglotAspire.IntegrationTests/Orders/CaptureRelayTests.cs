using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using PolyglotAspire.Contracts;
using PolyglotAspire.IntegrationTests.Infrastructure;

namespace PolyglotAspire.IntegrationTests.Orders;

/// <summary>The WAL capture relay on the shared app: what reaches <c>orders.events</c>, read back from Kafka.</summary>
[Collection(nameof(AppTestGroup))]
public sealed class CaptureRelayTests(AppFixture fixture) : IDisposable
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(90);
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;
    private readonly OrdersClient _orders = new(fixture);

    private static readonly string[][] Paths = [["cancelled"], ["paid"], ["paid", "shipped"], ["paid", "shipped", "delivered"], ["paid", "cancelled"]];

    private sealed record Expected(OrderEventType Type, int Version, string Status, string Token);

    [Fact]
    public async Task Every_change_is_published_once_in_order_per_key_with_the_full_row_and_its_commit_position()
    {
        var reader = await OrderEventsReader.FromNowAsync(fixture);
        var customer = "relay-" + Guid.NewGuid().ToString("N")[..12];
        var expected = new ConcurrentDictionary<Guid, List<Expected>>();
        var created = new ConcurrentDictionary<Guid, OrderDto>();

        await Parallel.ForEachAsync(Enumerable.Range(0, 40), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = _ct }, async (i, ct) =>
        {
            var order = await _orders.CreateAsync(customer, ct, ("SKU-A", 1 + (i % 3), 2.25m), ("SKU-B", 1, 10m));
            created[order.Id] = order;
            var history = new List<Expected> { new(OrderEventType.Created, 1, "new", order.ConsistencyToken!) };
            foreach (var status in Paths[i % Paths.Length])
            {
                using var response = await _orders.ChangeStatusAsync(order.Id, status, cancellationToken: ct);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var changed = (await response.Content.ReadFromJsonAsync<OrderDto>(OrdersClient.Json, ct))!;
                history.Add(new(OrderEventType.StatusChanged, changed.Version, status, changed.ConsistencyToken!));
            }

            if (i % 4 == 0)
            {
                using var response = await _orders.DeleteAsync(order.Id, cancellationToken: ct);
                var deleted = (await response.Content.ReadFromJsonAsync<DeletedDto>(OrdersClient.Json, ct))!;
                history.Add(new(OrderEventType.Deleted, deleted.Version, history[^1].Status, deleted.ConsistencyToken));
            }

            expected[order.Id] = history;
        });

        var last = expected.Values.SelectMany(h => h).Select(e => ConsistencyToken.TryParse(e.Token, out var t) ? t : default).Max();
        var messages = await reader.ReadUntilAsync(last.ToString(), ReadTimeout, _ct);

        foreach (var (orderId, history) in expected)
        {
            var published = messages.Where(m => m.Event.OrderId == orderId).OrderBy(m => m.Offset).ToList();
            Assert.Equal(history.Select(h => (h.Type, h.Version, h.Status)), published.Select(m => (m.Event.EventType, m.Event.OrderVersion, m.Event.Status)));
            Assert.Single(published.Select(m => m.Partition).Distinct());
            Assert.All(published, m => Assert.Equal(DeliveryAssertions.KeyOf(orderId), m.Key));

            var order = created[orderId];
            for (var v = 0; v < published.Count; v++)
            {
                var e = published[v].Event;
                Assert.Equal((order.CustomerId, order.Region, order.Currency), (e.CustomerId, e.Region, e.Currency));
                Assert.Equal((long)(order.Total * 100), e.TotalCents);
                Assert.Equal(order.CreatedAt.ToUnixTimeMilliseconds(), e.CreatedAtMs);
                Assert.Equal(2, e.LineCount);
                Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$", e.TraceParent);
                Assert.True(ConsistencyToken.TryParse(history[v].Token, out var token));
                Assert.InRange(e.CommitLsn, 1UL, token.Lsn);
                Assert.InRange(e.CommitTimeMs, order.CreatedAt.ToUnixTimeMilliseconds() - 5_000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 5_000);
                if (v > 0)
                {
                    Assert.True(e.CommitLsn > published[v - 1].Event.CommitLsn, "commit LSNs grow along a key");
                    Assert.True(e.CommitTimeMs >= published[v - 1].Event.CommitTimeMs);
                }
            }
        }
    }

    [Fact]
    public async Task Heartbeats_reach_every_partition_and_follow_every_change_committed_before_them()
    {
        var reader = await OrderEventsReader.FromNowAsync(fixture);
        var customer = "beat-" + Guid.NewGuid().ToString("N")[..12];
        var orders = new List<OrderDto>();
        for (var i = 0; i < 12; i++)
        {
            orders.Add(await _orders.CreateAsync(customer, _ct));
        }

        var messages = await reader.ReadUntilAsync(orders[^1].ConsistencyToken!, ReadTimeout, _ct);
        var heartbeats = messages.Where(m => m.Event.EventType == OrderEventType.Heartbeat).ToList();
        Assert.Equal(Enumerable.Range(0, reader.Partitions), heartbeats.Select(h => h.Partition).Distinct().Order());
        Assert.All(heartbeats, h =>
        {
            Assert.Null(h.Key);
            Assert.Equal(Guid.Empty, h.Event.OrderId);
            Assert.NotEqual(Guid.Empty, h.Event.EventId);
            Assert.True(h.Event.CommitLsn > 0 && h.Event.CommitTimeMs > 0);
        });

        foreach (var partition in messages.GroupBy(m => m.Partition))
        {
            var ordered = partition.OrderBy(m => m.Offset).ToList();
            var beats = ordered.Where(m => m.Event.EventType == OrderEventType.Heartbeat).ToList();
            Assert.Equal(beats.Select(b => b.Event.CommitLsn).Order(), beats.Select(b => b.Event.CommitLsn));

            // Contracts §2: every change of this partition with LSN ≤ a heartbeat's LSN precedes that heartbeat.
            foreach (var change in ordered.Where(m => m.Event.EventType != OrderEventType.Heartbeat))
            {
                var firstCovering = beats.FirstOrDefault(b => b.Event.CommitLsn >= change.Event.CommitLsn);
                if (firstCovering is not null)
                {
                    Assert.True(change.Offset < firstCovering.Offset,
                        $"change at LSN {change.Event.CommitLsn} (offset {change.Offset}) after heartbeat {firstCovering.Event.CommitLsn} (offset {firstCovering.Offset})");
                }
            }
        }
    }

    [Fact]
    public async Task The_published_event_continues_the_trace_of_the_request()
    {
        var reader = await OrderEventsReader.FromNowAsync(fixture);
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders") { Content = JsonContent.Create(OrdersClient.Body("trace-" + traceId[..8])) };
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");
        using var response = await _orders.Http.SendAsync(request, _ct);
        var order = (await response.Content.ReadFromJsonAsync<OrderDto>(OrdersClient.Json, _ct))!;

        var messages = await reader.ReadUntilAsync(order.ConsistencyToken!, ReadTimeout, _ct);
        var created = Assert.Single(messages, m => m.Event.OrderId == order.Id);
        Assert.StartsWith($"00-{traceId}-", created.Event.TraceParent, StringComparison.Ordinal);
    }

    public void Dispose() => _orders.Dispose();
}
