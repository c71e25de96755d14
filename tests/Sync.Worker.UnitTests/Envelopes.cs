using System.Buffers;
using MessagePack;
using PolyglotAspire.Contracts;

namespace PolyglotAspire.SyncWorker.UnitTests;

internal delegate void FieldWriter(ref MessagePackWriter writer);

/// <summary>Envelopes for tests: realistic random ones through the shared serializer, and hand-made broken ones.</summary>
internal static class Envelopes
{
    private static readonly string[] Regions = ["eu-west", "eu-central", "us-east", "us-west", "ap-south", "sa-east"];
    private static readonly string[] Currencies = ["EUR", "USD", "GBP", "JPY"];
    private static readonly string[] Statuses = ["new", "paid", "shipped", "delivered", "cancelled"];

    public static OrderEvent Random(Random random, OrderEventType type = OrderEventType.Created) => new()
    {
        EventId = Guid.NewGuid(),
        EventType = type,
        OrderId = Guid.NewGuid(),
        OrderVersion = type == OrderEventType.Created ? 1 : random.Next(2, 50),
        CommitLsn = (ulong)random.NextInt64(1, long.MaxValue),
        CommitTimeMs = 1_780_000_000_000 + random.NextInt64(0, 100_000_000_000),
        CustomerId = "C-" + random.Next(0, 9_999_999).ToString("D7", System.Globalization.CultureInfo.InvariantCulture),
        Region = Regions[random.Next(Regions.Length)],
        Currency = Currencies[random.Next(Currencies.Length)],
        Status = Statuses[random.Next(Statuses.Length)],
        TotalCents = random.NextInt64(0, 10_000_000),
        CreatedAtMs = 1_780_000_000_000 + random.NextInt64(0, 100_000_000_000),
        LineCount = random.Next(1, 20),
        TraceParent = $"00-{Guid.NewGuid():N}-{Guid.NewGuid().ToString("N")[..16]}-01",
    };

    public static OrderEvent Heartbeat(ulong lsn, long timeMs) => new()
    {
        EventId = Guid.NewGuid(),
        EventType = OrderEventType.Heartbeat,
        OrderId = Guid.Empty,
        CommitLsn = lsn,
        CommitTimeMs = timeMs,
    };

    public static byte[] Bytes(OrderEvent e) => OrderEventSerializer.Serialize(e);

    /// <summary>
    /// The envelope of <paramref name="e"/> written field by field, with <paramref name="count"/> in the array
    /// header, some fields replaced, and extra fields appended (a newer writer).
    /// </summary>
    public static byte[] Custom(OrderEvent e, int? count = null, IReadOnlyDictionary<int, FieldWriter>? replace = null, IReadOnlyList<FieldWriter>? extra = null, int? fields = null)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        var written = fields ?? OrderEventKeys.Count;
        writer.WriteArrayHeader(count ?? written + (extra?.Count ?? 0));
        for (var i = 0; i < written; i++)
        {
            if (replace is not null && replace.TryGetValue(i, out var custom))
            {
                custom(ref writer);
            }
            else
            {
                WriteField(ref writer, e, i);
            }
        }

        foreach (var x in extra ?? [])
        {
            x(ref writer);
        }

        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    public static void WriteField(ref MessagePackWriter w, OrderEvent e, int field)
    {
        switch (field)
        {
            case OrderEventKeys.SchemaVersion: w.Write(e.SchemaVersion); break;
            case OrderEventKeys.EventId: UuidFormatter.Instance.Serialize(ref w, e.EventId, OrderEventSerializer.Options); break;
            case OrderEventKeys.EventType: w.Write((byte)e.EventType); break;
            case OrderEventKeys.OrderId: UuidFormatter.Instance.Serialize(ref w, e.OrderId, OrderEventSerializer.Options); break;
            case OrderEventKeys.OrderVersion: w.Write(e.OrderVersion); break;
            case OrderEventKeys.CommitLsn: w.Write(e.CommitLsn); break;
            case OrderEventKeys.CommitTimeMs: w.Write(e.CommitTimeMs); break;
            case OrderEventKeys.CustomerId: w.Write(e.CustomerId); break;
            case OrderEventKeys.Region: w.Write(e.Region); break;
            case OrderEventKeys.Currency: w.Write(e.Currency); break;
            case OrderEventKeys.Status: w.Write(e.Status); break;
            case OrderEventKeys.TotalCents: w.Write(e.TotalCents); break;
            case OrderEventKeys.CreatedAtMs: w.Write(e.CreatedAtMs); break;
            case OrderEventKeys.LineCount: w.Write(e.LineCount); break;
            case OrderEventKeys.TraceParent: if (e.TraceParent is null) { w.WriteNil(); } else { w.Write(e.TraceParent); } break;
            case OrderEventKeys.SourceSystemId: w.Write(e.SourceSystemId); break;
            case OrderEventKeys.SourceTimeline: w.Write(e.SourceTimeline); break;
            case OrderEventKeys.PartitionCount: w.Write(e.PartitionCount); break;
            default: throw new ArgumentOutOfRangeException(nameof(field));
        }
    }
}
