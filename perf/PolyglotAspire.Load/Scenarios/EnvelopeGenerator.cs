using PolyglotAspire.Contracts;

namespace PolyglotAspire.Load.Scenarios;

/// <summary>
/// Realistic envelopes as the relay publishes them: full rows, ~60% creates, ~35% status changes, ~5% deletes,
/// customer ids, regions, currencies, traceparents, increasing commit LSNs and times.
/// </summary>
internal sealed class EnvelopeGenerator(int seed)
{
    private static readonly string[] Regions = ["eu-west", "eu-central", "us-east", "us-west", "ap-south", "sa-east"];
    private static readonly string[] Currencies = ["EUR", "USD", "GBP", "JPY"];
    private static readonly string[] Flow = ["new", "paid", "shipped", "delivered"];

    private readonly Random _random = new(seed);
    private readonly List<OrderEvent> _open = [];
    private ulong _lsn = 0x1_0000_0000;

    public OrderEvent Next(long commitTimeMs)
    {
        _lsn += (ulong)_random.Next(60, 600);
        var roll = _random.NextDouble();
        OrderEvent e;
        if (_open.Count < 1000 || roll < 0.60)
        {
            e = new OrderEvent
            {
                EventType = OrderEventType.Created,
                OrderId = Guid.NewGuid(),
                OrderVersion = 1,
                CustomerId = $"C-{_random.Next(10_000_000):D7}",
                Region = Regions[_random.Next(Regions.Length)],
                Currency = Currencies[_random.Next(Currencies.Length)],
                Status = "new",
                TotalCents = _random.NextInt64(500, 2_500_000),
                CreatedAtMs = commitTimeMs,
                LineCount = _random.Next(1, 12),
            };
            _open.Add(e);
        }
        else
        {
            var index = _random.Next(_open.Count);
            var order = _open[index];
            if (roll > 0.95)
            {
                e = order with { EventType = OrderEventType.Deleted, OrderVersion = order.OrderVersion + 1 };
                _open[index] = _open[^1];
                _open.RemoveAt(_open.Count - 1);
            }
            else
            {
                var step = Array.IndexOf(Flow, order.Status);
                var status = step is >= 0 and < 3 ? Flow[step + 1] : "cancelled";
                e = order with { EventType = OrderEventType.StatusChanged, OrderVersion = order.OrderVersion + 1, Status = status };
                if (step >= 2 || step < 0)
                {
                    _open[index] = _open[^1];
                    _open.RemoveAt(_open.Count - 1);
                }
                else
                {
                    _open[index] = e;
                }
            }
        }

        return e with
        {
            EventId = Guid.NewGuid(),
            CommitLsn = _lsn,
            CommitTimeMs = commitTimeMs,
            TraceParent = $"00-{Guid.NewGuid():N}-{_random.NextInt64():x16}-01",
        };
    }
}
