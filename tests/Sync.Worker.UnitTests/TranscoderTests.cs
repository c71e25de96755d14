using System.Buffers.Binary;
using MessagePack;
using PolyglotAspire.Contracts;
using PolyglotAspire.SyncWorker.Encoding;

namespace PolyglotAspire.SyncWorker.UnitTests;

/// <summary>
/// The decoder's verdicts: which messages become rows, heartbeats or dead letters, and why (the dead-letter
/// classification). What ClickHouse makes of the rows is checked against the engine in <see cref="RowBinaryRoundTripTests"/>.
/// </summary>
public sealed class TranscoderTests
{
    private static readonly Random Seeded = new(20261125);

    internal static EnvelopeInfo Transcode(byte[] envelope, out byte[] row)
    {
        var buffer = new byte[EnvelopeTranscoder.MaxRowLength(envelope.Length)];
        EnvelopeTranscoder.Transcode(envelope, buffer, out var info);
        row = buffer[..info.RowLength];
        return info;
    }

    private static void AssertInvalid(byte[] envelope, DecodeError error, int field)
    {
        var info = Transcode(envelope, out var row);
        Assert.Equal(EnvelopeKind.Invalid, info.Kind);
        Assert.Equal(error, info.Error);
        Assert.Equal(field, info.Field);
        Assert.Empty(row);
    }

    [Fact]
    public void An_order_event_becomes_one_row_with_its_lsn_and_commit_time()
    {
        var e = Envelopes.Random(Seeded) with { EventType = OrderEventType.StatusChanged, OrderVersion = 3 };
        var info = Transcode(Envelopes.Bytes(e), out var row);

        Assert.Equal(EnvelopeKind.Order, info.Kind);
        Assert.Equal(DecodeError.None, info.Error);
        Assert.Equal(e.CommitLsn, info.CommitLsn);
        Assert.Equal(e.CommitTimeMs, info.CommitTimeMs);
        Assert.Equal(OrderEventType.StatusChanged, info.EventType);
        // event_id(16) is_deleted(1) order_id(16) version(4) lsn(8) commit_time(8) 4 strings total(8) created(8) lines(2)
        var strings = new[] { e.CustomerId, e.Region, e.Currency, e.Status }.Sum(s => 1 + System.Text.Encoding.UTF8.GetByteCount(s));
        Assert.Equal(16 + 1 + 16 + 4 + 8 + 8 + strings + 8 + 8 + 2, row.Length);
        Assert.Equal(0, row[16]); // not deleted
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32LittleEndian(row.AsSpan(33)));
    }

    [Fact]
    public void A_delete_is_a_row_with_is_deleted_set()
    {
        var e = Envelopes.Random(Seeded, OrderEventType.Deleted);
        var info = Transcode(Envelopes.Bytes(e), out var row);
        Assert.Equal(EnvelopeKind.Order, info.Kind);
        Assert.Equal(1, row[16]);
    }

    [Fact]
    public void A_uuid_is_written_as_clickhouse_reads_it_two_little_endian_halves()
    {
        var e = Envelopes.Random(Seeded) with { EventId = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff") };
        Transcode(Envelopes.Bytes(e), out var row);
        Assert.Equal(Convert.FromHexString("7766554433221100ffeeddccbbaa9988"), row[..16]);
    }

    [Fact]
    public void A_heartbeat_writes_no_row_and_carries_its_watermark()
    {
        var info = Transcode(Envelopes.Bytes(Envelopes.Heartbeat(0x16_B374_D848, 1_795_600_000_123)), out var row);
        Assert.Equal(EnvelopeKind.Heartbeat, info.Kind);
        Assert.Empty(row);
        Assert.Equal(0x16_B374_D848UL, info.CommitLsn);
        Assert.Equal(1_795_600_000_123, info.CommitTimeMs);
    }

    [Fact]
    public void The_traceparent_is_located_inside_the_envelope()
    {
        var e = Envelopes.Random(Seeded);
        var bytes = Envelopes.Bytes(e);
        var info = Transcode(bytes, out _);
        Assert.Equal(e.TraceParent, System.Text.Encoding.UTF8.GetString(bytes, info.TraceParentOffset, info.TraceParentLength));

        var none = Transcode(Envelopes.Bytes(e with { TraceParent = null }), out _);
        Assert.Equal(EnvelopeKind.Order, none.Kind);
        Assert.Equal(0, none.TraceParentLength);
    }

    [Fact]
    public void Unknown_extra_keys_of_a_newer_writer_still_decode_to_the_same_row()
    {
        var e = Envelopes.Random(Seeded);
        Transcode(Envelopes.Bytes(e), out var expected);

        var newer = Envelopes.Custom(e, extra:
        [
            (ref MessagePackWriter w) => w.Write("a new string field"),
            (ref MessagePackWriter w) => w.Write(3.14),
            (ref MessagePackWriter w) => w.WriteNil(),
            (ref MessagePackWriter w) => { w.WriteMapHeader(2); w.Write("k"); w.Write(1); w.Write("nested"); w.WriteArrayHeader(2); w.Write(true); w.Write(new byte[] { 1, 2, 3 }); },
            (ref MessagePackWriter w) => w.WriteExtensionFormat(new ExtensionResult(5, new byte[] { 9, 9 })),
        ]);
        var info = Transcode(newer, out var row);

        Assert.Equal(EnvelopeKind.Order, info.Kind);
        Assert.Equal(expected, row);
    }

    [Fact]
    public void A_deeply_nested_extra_field_is_skipped_without_recursion()
    {
        const int depth = 200_000; // recursive skipping would overflow the stack long before this
        var e = Envelopes.Random(Seeded);
        var nested = Envelopes.Custom(e, extra:
        [
            (ref MessagePackWriter w) =>
            {
                for (var i = 0; i < depth; i++)
                {
                    w.WriteArrayHeader(1);
                }

                w.Write(42);
            },
        ]);
        Assert.Equal(EnvelopeKind.Order, Transcode(nested, out _).Kind);
    }

    [Fact]
    public void Empty_and_garbage_messages_are_dead_letters()
    {
        AssertInvalid([], DecodeError.Empty, -1);
        AssertInvalid("not msgpack at all"u8.ToArray(), DecodeError.NotAnArray, -1);
        AssertInvalid([0xc1], DecodeError.NotAnArray, -1); // the one code MessagePack never uses

        var map = Envelopes.Custom(Envelopes.Random(Seeded), fields: 0, count: 0);
        map[0] = 0x80; // fixmap with no entries instead of an array
        AssertInvalid(map, DecodeError.NotAnArray, -1);

        AssertInvalid(MessagePackSerializer.Serialize(new object[] { 1, 2 }, cancellationToken: TestContext.Current.CancellationToken), DecodeError.TooFewFields, -1);
    }

    [Fact]
    public void Every_truncation_of_a_valid_envelope_is_a_dead_letter_never_a_row()
    {
        var bytes = Envelopes.Bytes(Envelopes.Random(Seeded));
        for (var length = 1; length < bytes.Length; length++)
        {
            var info = Transcode(bytes[..length], out var row);
            Assert.Equal(EnvelopeKind.Invalid, info.Kind);
            Assert.True(info.Error is DecodeError.Truncated or DecodeError.TooFewFields, $"length {length}: {info.Error}");
            Assert.Empty(row);
        }
    }

    [Fact]
    public void Bytes_after_the_envelope_are_a_dead_letter()
    {
        var bytes = Envelopes.Bytes(Envelopes.Random(Seeded));
        AssertInvalid([.. bytes, 0x00], DecodeError.TrailingBytes, -1);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void A_bogus_schema_version_is_a_dead_letter(int version)
    {
        var e = Envelopes.Random(Seeded) with { SchemaVersion = version };
        AssertInvalid(Envelopes.Bytes(e), DecodeError.UnsupportedSchemaVersion, OrderEventKeys.SchemaVersion);
        AssertInvalid(Envelopes.Custom(e, fields: 3), DecodeError.UnsupportedSchemaVersion, OrderEventKeys.SchemaVersion);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(999)]
    public void A_newer_schema_version_is_not_a_dead_letter_but_a_stop(int version)
    {
        var e = Envelopes.Random(Seeded) with { SchemaVersion = version };

        // Whatever its shape (a breaking change may make it shorter), the version says it cannot be read here.
        foreach (var bytes in new[] { Envelopes.Bytes(e), Envelopes.Custom(e, fields: 3) })
        {
            var info = Transcode(bytes, out var row);
            Assert.Equal(EnvelopeKind.NewerSchema, info.Kind);
            Assert.Equal(version, info.SchemaVersion);
            Assert.Empty(row);
        }
    }

    [Fact]
    public void The_source_and_the_partition_count_are_read_and_an_envelope_from_before_them_still_decodes()
    {
        var beat = Envelopes.Heartbeat(0x16_B374_D848, 1_795_600_000_000) with { SourceSystemId = 7_311_000_000_000_000_042, SourceTimeline = 3, PartitionCount = 6 };
        var info = Transcode(Envelopes.Bytes(beat), out _);
        Assert.Equal((EnvelopeKind.Heartbeat, 7_311_000_000_000_000_042UL, 3U, 6), (info.Kind, info.SourceSystemId, info.SourceTimeline, info.PartitionCount));

        var e = Envelopes.Random(Seeded);
        Transcode(Envelopes.Bytes(e), out var expected);
        var first = Transcode(Envelopes.Custom(e, fields: OrderEventKeys.Required), out var row);
        Assert.Equal((EnvelopeKind.Order, 0UL, 0U), (first.Kind, first.SourceSystemId, first.SourceTimeline));
        Assert.Equal(expected, row);
    }

    public static TheoryData<int> AllFields => new(Enumerable.Range(0, OrderEventKeys.Count).Where(f => f != OrderEventKeys.TraceParent));

    [Theory]
    [MemberData(nameof(AllFields))]
    public void A_field_of_the_wrong_type_is_a_dead_letter_naming_the_field(int field)
    {
        var e = Envelopes.Random(Seeded);
        // A float fits no field; nil fits none but TraceParent.
        AssertInvalid(Envelopes.Custom(e, replace: new Dictionary<int, FieldWriter> { [field] = (ref MessagePackWriter w) => w.Write(1.5) }),
            DecodeError.WrongType, field);
        AssertInvalid(Envelopes.Custom(e, replace: new Dictionary<int, FieldWriter> { [field] = (ref MessagePackWriter w) => w.WriteNil() }),
            DecodeError.WrongType, field);
    }

    [Fact]
    public void Strings_where_numbers_belong_and_numbers_where_strings_belong_are_dead_letters()
    {
        var e = Envelopes.Random(Seeded);
        AssertInvalid(Envelopes.Custom(e, replace: new Dictionary<int, FieldWriter> { [OrderEventKeys.OrderVersion] = (ref MessagePackWriter w) => w.Write("3") }),
            DecodeError.WrongType, OrderEventKeys.OrderVersion);
        AssertInvalid(Envelopes.Custom(e, replace: new Dictionary<int, FieldWriter> { [OrderEventKeys.Region] = (ref MessagePackWriter w) => w.Write(7) }),
            DecodeError.WrongType, OrderEventKeys.Region);
        // A UUID as its string form (the default Guid formatter) instead of bin 16.
        AssertInvalid(Envelopes.Custom(e, replace: new Dictionary<int, FieldWriter> { [OrderEventKeys.OrderId] = (ref MessagePackWriter w) => w.Write(e.OrderId.ToString()) }),
            DecodeError.WrongType, OrderEventKeys.OrderId);
        AssertInvalid(Envelopes.Custom(e, replace: new Dictionary<int, FieldWriter> { [OrderEventKeys.TraceParent] = (ref MessagePackWriter w) => w.Write(12) }),
            DecodeError.WrongType, OrderEventKeys.TraceParent);
    }

    public static TheoryData<int, string> ImpossibleValues => new()
    {
        { OrderEventKeys.EventType, "0" },
        { OrderEventKeys.EventType, "5" },
        { OrderEventKeys.OrderVersion, "0" },
        { OrderEventKeys.OrderVersion, "-1" },
        { OrderEventKeys.OrderVersion, "4294967296" },
        { OrderEventKeys.CommitLsn, "-5" },
        { OrderEventKeys.CommitTimeMs, "-2208988800001" },
        { OrderEventKeys.CommitTimeMs, "10413792000000" },
        { OrderEventKeys.TotalCents, "1000000000000000000" },
        { OrderEventKeys.TotalCents, "-1000000000000000000" },
        { OrderEventKeys.CreatedAtMs, "99999999999999999" },
        { OrderEventKeys.LineCount, "65536" },
        { OrderEventKeys.LineCount, "-1" },
        { OrderEventKeys.SchemaVersion, "18446744073709551615" }, // a uint64 no int holds
    };

    [Theory]
    [MemberData(nameof(ImpossibleValues))]
    public void An_impossible_value_is_a_dead_letter_naming_the_field(int field, string value)
    {
        var e = Envelopes.Random(Seeded);
        FieldWriter write = value.StartsWith('-')
            ? (ref MessagePackWriter w) => w.Write(long.Parse(value, System.Globalization.CultureInfo.InvariantCulture))
            : (ref MessagePackWriter w) => w.Write(ulong.Parse(value, System.Globalization.CultureInfo.InvariantCulture));
        AssertInvalid(Envelopes.Custom(e, replace: new Dictionary<int, FieldWriter> { [field] = write }), DecodeError.InvalidValue, field);
    }

    [Fact]
    public void A_uuid_that_is_not_16_bytes_is_a_dead_letter()
    {
        var e = Envelopes.Random(Seeded);
        AssertInvalid(Envelopes.Custom(e, replace: new Dictionary<int, FieldWriter> { [OrderEventKeys.EventId] = (ref MessagePackWriter w) => w.Write(new byte[15]) }),
            DecodeError.InvalidValue, OrderEventKeys.EventId);
    }

    [Fact]
    public void A_string_that_is_not_utf8_is_a_dead_letter()
    {
        var e = Envelopes.Random(Seeded);
        AssertInvalid(Envelopes.Custom(e, replace: new Dictionary<int, FieldWriter>
        {
            [OrderEventKeys.CustomerId] = (ref MessagePackWriter w) => w.WriteString([0x43, 0xff, 0xfe]),
        }), DecodeError.InvalidUtf8, OrderEventKeys.CustomerId);
    }

    [Fact]
    public void Extreme_but_valid_values_decode()
    {
        var e = Envelopes.Random(Seeded) with
        {
            OrderVersion = int.MaxValue,
            CommitLsn = ulong.MaxValue,
            TotalCents = -999_999_999_999_999_999,
            CreatedAtMs = -2_208_988_800_000,
            CommitTimeMs = 10_413_791_999_999,
            LineCount = ushort.MaxValue,
            CustomerId = new string('é', 20_000), // 40,000 UTF-8 bytes: a three-byte length varint
            Region = "",
        };
        Assert.Equal(EnvelopeKind.Order, Transcode(Envelopes.Bytes(e), out _).Kind);
    }

    [Fact]
    public void The_row_never_exceeds_the_reserved_length()
    {
        var random = new Random(7);
        for (var i = 0; i < 2000; i++)
        {
            var e = Envelopes.Random(random) with
            {
                CustomerId = new string('x', random.Next(0, 300)),
                OrderVersion = 1,
                CommitLsn = 1,
                CommitTimeMs = 1,
                TotalCents = 1,
                CreatedAtMs = 1,
                LineCount = 1,
                TraceParent = null,
            };
            var bytes = Envelopes.Bytes(e);
            var info = Transcode(bytes, out var row);
            Assert.Equal(EnvelopeKind.Order, info.Kind);
            Assert.True(row.Length <= EnvelopeTranscoder.MaxRowLength(bytes.Length));
        }
    }
}
