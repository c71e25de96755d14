using MessagePack;

namespace PolyglotAspire.Contracts.UnitTests;

public sealed class OrderEventTests
{
    /// <summary>A full envelope with every field set (AllocationTests encodes it too).</summary>
    internal static readonly OrderEvent Sample = new()
    {
        EventId = Guid.Parse("0b7f9e4c-1f6a-4c9e-9a1d-2f3e4d5c6b7a"),
        EventType = OrderEventType.StatusChanged,
        OrderId = Guid.Parse("5d2c1a9e-77b1-4f0e-8a3c-0123456789ab"),
        OrderVersion = 3,
        CommitLsn = 0x16_B374_D848,
        CommitTimeMs = 1_795_600_000_123,
        CustomerId = "C-42",
        Region = "eu-west",
        Currency = "EUR",
        Status = "paid",
        TotalCents = 123_456,
        CreatedAtMs = 1_795_599_000_000,
        LineCount = 2,
        TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    };

    [Fact]
    public void Round_trips_every_field() =>
        Assert.Equal(Sample, OrderEventSerializer.Deserialize(OrderEventSerializer.Serialize(Sample)));

    [Fact]
    public void Is_an_array_with_the_documented_keys_in_order()
    {
        var reader = new MessagePackReader(OrderEventSerializer.Serialize(Sample));
        Assert.Equal(OrderEventKeys.Count, reader.ReadArrayHeader());
        Assert.Equal(OrderEvent.CurrentSchemaVersion, reader.ReadInt32());
        reader.Skip(); // event id
        Assert.Equal((byte)OrderEventType.StatusChanged, reader.ReadByte());
    }

    [Fact]
    public void Writes_uuids_as_16_big_endian_bytes_as_ClickHouse_reads_them()
    {
        var reader = new MessagePackReader(OrderEventSerializer.Serialize(Sample));
        reader.ReadArrayHeader();
        reader.Skip();
        var bytes = System.Buffers.BuffersExtensions.ToArray(reader.ReadBytes()!.Value);
        Assert.Equal(Convert.FromHexString("0b7f9e4c1f6a4c9e9a1d2f3e4d5c6b7a"), bytes);
    }

    [Fact]
    public void A_reader_skips_fields_added_by_a_newer_writer()
    {
        var writer = new System.Buffers.ArrayBufferWriter<byte>();
        var mp = new MessagePackWriter(writer);
        var original = OrderEventSerializer.Serialize(Sample);
        var reader = new MessagePackReader(original);
        var count = reader.ReadArrayHeader();
        mp.WriteArrayHeader(count + 1);
        mp.WriteRaw(original.AsSpan((int)reader.Consumed));
        mp.Write("a field from the future");
        mp.Flush();

        Assert.Equal(Sample, OrderEventSerializer.Deserialize(writer.WrittenMemory));
    }
}
