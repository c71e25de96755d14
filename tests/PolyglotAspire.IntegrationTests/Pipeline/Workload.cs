using PolyglotAspire.Contracts;

namespace PolyglotAspire.IntegrationTests.Pipeline;

/// <summary>
/// A random but reproducible history of orders — creates, status changes along the allowed transitions, deletes —
/// kept as the source of truth would (current row per order, or gone), with each change as the envelope the relay
/// would publish (full row, version +1, increasing commit LSN and time). Regions carry a per-test tag, so each
/// test asserts on its own data only.
/// </summary>
public sealed class Workload
{
    private static readonly string[] RegionNames = ["eu-west", "eu-central", "us-east", "ap-south"];
    private static readonly string[] Currencies = ["EUR", "USD", "GBP"];
    private static readonly DateTimeOffset FirstDay = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly Random _random;
    private readonly Dictionary<Guid, OrderEvent> _current = [];
    private readonly List<Guid> _open = [];
    private ulong _lsn;
    private long _commitMs;

    private readonly WalRange _wal;

    /// <summary>
    /// A workload whose changes get LSNs in <paramref name="wal"/>: a stretch of the real source's WAL that PostgreSQL
    /// has already written (<see cref="PipelineFixture.WorkloadAsync"/> reserves it), above every earlier test's, and
    /// carrying the source's identity — like the relay's, so the app's own heartbeats and Analytics.Api's checks
    /// (never a watermark ahead of the source, contracts.md §2) see nothing they would not see in production.
    /// </summary>
    public Workload(string tag, int seed, WalRange wal)
    {
        Tag = tag;
        _random = new Random(seed);
        _wal = wal;
        _lsn = wal.First;
        _commitMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Regions = RegionNames.Select(r => $"{tag}-{r}").ToArray();
    }

    public string Tag { get; }

    public IReadOnlyList<string> Regions { get; }

    /// <summary>Every change in commit order.</summary>
    public List<OrderEvent> Events { get; } = [];

    public ulong LastLsn => _lsn;

    public long LastCommitMs => _commitMs;

    /// <summary>Creates <paramref name="orders"/> orders, then applies <paramref name="changes"/> random status changes and deletes.</summary>
    public Workload Generate(int orders, int changes)
    {
        for (var i = 0; i < orders; i++)
        {
            Create();
        }

        for (var i = 0; i < changes && _open.Count > 0; i++)
        {
            var id = _open[_random.Next(_open.Count)];
            if (_random.NextDouble() < 0.15)
            {
                Delete(id);
            }
            else
            {
                Advance(id);
            }
        }

        return this;
    }

    public OrderEvent Create()
    {
        var created = FirstDay.AddMinutes(_random.Next(0, 10 * 24 * 60)).ToUnixTimeMilliseconds();
        return Publish(new OrderEvent
        {
            EventType = OrderEventType.Created,
            OrderId = Guid.NewGuid(),
            OrderVersion = 1,
            CustomerId = $"C-{_random.Next(100_000):D6}",
            Region = Regions[_random.Next(Regions.Count)],
            Currency = Currencies[_random.Next(Currencies.Length)],
            Status = "new",
            TotalCents = _random.NextInt64(100, 5_000_000),
            CreatedAtMs = created,
            LineCount = _random.Next(1, 8),
            TraceParent = $"00-{Guid.NewGuid():N}-{Guid.NewGuid().ToString("N")[..16]}-01",
        });
    }

    private void Advance(Guid id)
    {
        var order = _current[id];
        string? next = order.Status switch
        {
            "new" => _random.NextDouble() < 0.2 ? "cancelled" : "paid",
            "paid" => _random.NextDouble() < 0.1 ? "cancelled" : "shipped",
            "shipped" => "delivered",
            _ => null,
        };
        if (next is null)
        {
            _open.Remove(id);
            return;
        }

        Publish(order with { EventType = OrderEventType.StatusChanged, OrderVersion = order.OrderVersion + 1, Status = next });
    }

    private void Delete(Guid id)
    {
        var order = _current[id];
        Publish(order with { EventType = OrderEventType.Deleted, OrderVersion = order.OrderVersion + 1 });
    }

    private OrderEvent Publish(OrderEvent change)
    {
        _lsn = _wal.Next(_lsn, (ulong)_random.Next(1, 64));
        _commitMs += _random.Next(0, 3);
        var e = change with
        {
            EventId = Guid.NewGuid(), CommitLsn = _lsn, CommitTimeMs = _commitMs, SourceSystemId = _wal.SystemId, SourceTimeline = _wal.Timeline,
        };
        Events.Add(e);
        if (e.EventType == OrderEventType.Deleted)
        {
            _current.Remove(e.OrderId);
            _open.Remove(e.OrderId);
        }
        else
        {
            if (!_current.ContainsKey(e.OrderId))
            {
                _open.Add(e.OrderId);
            }

            _current[e.OrderId] = e;
        }

        return e;
    }

    /// <summary>A heartbeat the relay would send now: every change so far is at or below its LSN.</summary>
    public OrderEvent Heartbeat()
    {
        _lsn = _wal.Next(_lsn, 8);
        _commitMs += 1;
        return new OrderEvent
        {
            EventId = Guid.NewGuid(), EventType = OrderEventType.Heartbeat, OrderId = Guid.Empty, CommitLsn = _lsn, CommitTimeMs = _commitMs,
            SourceSystemId = _wal.SystemId, SourceTimeline = _wal.Timeline, PartitionCount = PipelineFixture.Partitions,
        };
    }

    /// <summary>The definitions of DESIGN.md: orders = non-deleted; revenue = total of paid, shipped or delivered; per region and UTC day.</summary>
    public SortedDictionary<string, (long Orders, decimal Revenue)> Expected()
    {
        var result = new SortedDictionary<string, (long, decimal)>(StringComparer.Ordinal);
        foreach (var order in _current.Values)
        {
            var key = Key(order.Region, DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(order.CreatedAtMs).UtcDateTime));
            var (count, revenue) = result.GetValueOrDefault(key);
            result[key] = (count + 1, revenue + (order.Status is "paid" or "shipped" or "delivered" ? order.TotalCents / 100m : 0m));
        }

        return result;
    }

    public static string Key(string region, DateOnly day) => $"{region} {day:yyyy-MM-dd}";

    public int OrderCount => _current.Count;
}
