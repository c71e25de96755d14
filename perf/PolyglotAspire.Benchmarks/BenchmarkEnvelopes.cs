using System.Globalization;
using PolyglotAspire.Contracts;

namespace PolyglotAspire.Benchmarks;

/// <summary>
/// Realistic <see cref="OrderEvent"/> envelopes as the relay publishes them (created, status-changed and deleted
/// orders, full rows, a traceparent each), the input of every per-event benchmark. Fixed seed: every run reads the same bytes.
/// </summary>
internal static class BenchmarkEnvelopes
{
    private static readonly string[] Regions = ["eu-west", "eu-central", "us-east", "us-west", "ap-south", "sa-east"];
    private static readonly string[] Statuses = ["new", "paid", "shipped", "delivered", "cancelled"];

    public static byte[][] Create(int count)
    {
        var random = new Random(42);
        return Enumerable.Range(0, count).Select(i => OrderEventSerializer.Serialize(new OrderEvent
        {
            EventId = Guid.NewGuid(),
            EventType = (OrderEventType)(1 + (i % 3)),
            OrderId = Guid.NewGuid(),
            OrderVersion = 1 + (i % 4),
            CommitLsn = 0x1_6B37_4D48UL + (ulong)i * 120,
            CommitTimeMs = 1_795_600_000_000 + i,
            CustomerId = "C-" + random.Next(0, 9_999_999).ToString("D7", CultureInfo.InvariantCulture),
            Region = Regions[i % Regions.Length],
            Currency = "EUR",
            Status = Statuses[i % Statuses.Length],
            TotalCents = random.NextInt64(100, 10_000_000),
            CreatedAtMs = 1_795_599_000_000 + i,
            LineCount = 1 + (i % 9),
            TraceParent = $"00-{Guid.NewGuid():N}-{Guid.NewGuid().ToString("N")[..16]}-01",
        })).ToArray();
    }
}
