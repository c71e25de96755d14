using System.Buffers.Binary;
using MessagePack;
using PolyglotAspire.Contracts;
using PolyglotAspire.Contracts.Analytics;
using static PolyglotAspire.SyncWorker.Encoding.EnvelopeFields;

namespace PolyglotAspire.SyncWorker.Encoding;

/// <summary>
/// Decodes the <see cref="OrderEvent"/> envelope with MessagePack-CSharp's <c>MessagePackReader</c> and writes the <c>orders</c>
/// row straight as ClickHouse RowBinary, in one forward pass: no intermediate object, no string, no allocation.
/// <para>
/// The row's column order is the table contract's <see cref="OrdersTable.InsertColumns"/>, which follows the envelope's
/// field order, so each field is written as soon as it is read. Every field is type- and range-checked, because a value ClickHouse would store wrongly
/// (a version that wraps, a date out of DateTime64's range, invalid UTF-8) must go to the dead-letter topic, not
/// into the table. Keys past the last known one are skipped (append-only evolution) without recursion, so a
/// hostile, deeply nested extra field cannot overflow the stack.
/// </para>
/// </summary>
internal static class EnvelopeTranscoder
{
    /// <summary>
    /// A row never needs more than the envelope plus this: MessagePack encodes each string at least as compactly
    /// as RowBinary's varint-prefixed form and each UUID in 18 bytes (RowBinary: 16), while the 9 integer
    /// columns take at most 8 bytes each in RowBinary against at least 1 in MessagePack (9 × 7 = 63 extra).
    /// </summary>
    public const int RowOverhead = 64;

    public static int MaxRowLength(int envelopeLength) => envelopeLength + RowOverhead;

    /// <summary>Kafka numbers partitions with an int32; far fewer in practice, but that is the contract's bound.</summary>
    private const long MaxPartitionCount = int.MaxValue;

    /// <summary>Decimal(18, 2) holds at most 18 digits.</summary>
    private const long MaxTotalCents = 999_999_999_999_999_999;


    /// <summary>
    /// Transcodes one envelope. For <see cref="EnvelopeKind.Order"/> the row occupies the first
    /// <see cref="EnvelopeInfo.RowLength"/> bytes of <paramref name="row"/>, which must hold
    /// <see cref="MaxRowLength"/>(<paramref name="envelope"/>.Length) bytes; otherwise its content is undefined.
    /// </summary>
    public static void Transcode(ReadOnlyMemory<byte> envelope, Span<byte> row, out EnvelopeInfo info)
    {
        info = default;
        info.Field = -1;
        if (envelope.IsEmpty)
        {
            Fail(ref info, DecodeError.Empty, -1);
            return;
        }

        if (row.Length < MaxRowLength(envelope.Length))
        {
            throw new ArgumentException("The row buffer is smaller than MaxRowLength(envelope.Length).", nameof(row));
        }

        var reader = new MessagePackReader(envelope);
        var field = -1;
        try
        {
            if (reader.NextMessagePackType != MessagePackType.Array)
            {
                Fail(ref info, DecodeError.NotAnArray, -1);
                return;
            }

            var count = reader.ReadArrayHeader();
            if (count < OrderEventKeys.Required)
            {
                // A short array still tells its version: an unknown version is the better reason (a newer one may be shorter).
                if (count > 0 && reader.NextMessagePackType == MessagePackType.Integer && reader.ReadInt64() is var version0 && version0 != OrderEvent.CurrentSchemaVersion)
                {
                    UnknownVersion(ref info, version0);
                    return;
                }

                Fail(ref info, DecodeError.TooFewFields, -1);
                return;
            }

            var p = 0;
            DecodeError error;

            field = OrderEventKeys.SchemaVersion;
            if (!TryReadInteger(ref reader, out var schemaVersion))
            {
                Fail(ref info, DecodeError.WrongType, field);
                return;
            }

            if (schemaVersion != OrderEvent.CurrentSchemaVersion)
            {
                UnknownVersion(ref info, schemaVersion);
                return;
            }

            // event_id
            field = OrderEventKeys.EventId;
            error = WriteUuid(ref reader, row, ref p);
            if (error != DecodeError.None)
            {
                Fail(ref info, error, field);
                return;
            }

            // is_deleted, from the event type
            field = OrderEventKeys.EventType;
            error = ReadInteger(ref reader, (long)OrderEventType.Created, (long)OrderEventType.Heartbeat, out var eventType);
            if (error != DecodeError.None)
            {
                Fail(ref info, error, field);
                return;
            }

            info.EventType = (OrderEventType)eventType;
            var isHeartbeat = info.EventType == OrderEventType.Heartbeat;
            row[p++] = info.EventType == OrderEventType.Deleted ? (byte)1 : (byte)0;

            // order_id
            field = OrderEventKeys.OrderId;
            error = WriteUuid(ref reader, row, ref p);
            if (error != DecodeError.None)
            {
                Fail(ref info, error, field);
                return;
            }

            // version UInt32: an order's first version is 1 (a heartbeat carries 0).
            field = OrderEventKeys.OrderVersion;
            error = ReadInteger(ref reader, isHeartbeat ? 0 : 1, uint.MaxValue, out var version);
            if (error != DecodeError.None)
            {
                Fail(ref info, error, field);
                return;
            }

            BinaryPrimitives.WriteUInt32LittleEndian(row[p..], (uint)version);
            p += 4;

            // commit_lsn UInt64
            field = OrderEventKeys.CommitLsn;
            if (reader.NextMessagePackType != MessagePackType.Integer)
            {
                Fail(ref info, DecodeError.WrongType, field);
                return;
            }

            info.CommitLsn = reader.ReadUInt64(); // a negative value throws OverflowException: InvalidValue
            BinaryPrimitives.WriteUInt64LittleEndian(row[p..], info.CommitLsn);
            p += 8;

            // commit_time DateTime64(3)
            field = OrderEventKeys.CommitTimeMs;
            error = WriteDateTime64(ref reader, row, ref p, out info.CommitTimeMs);
            if (error != DecodeError.None)
            {
                Fail(ref info, error, field);
                return;
            }

            // customer_id, region, currency, status: String / LowCardinality(String)
            for (field = OrderEventKeys.CustomerId; field <= OrderEventKeys.Status; field++)
            {
                error = WriteString(ref reader, row, ref p);
                if (error != DecodeError.None)
                {
                    Fail(ref info, error, field);
                    return;
                }
            }

            // total Decimal(18, 2): the scaled Int64
            field = OrderEventKeys.TotalCents;
            error = ReadInteger(ref reader, -MaxTotalCents, MaxTotalCents, out var total);
            if (error != DecodeError.None)
            {
                Fail(ref info, error, field);
                return;
            }

            BinaryPrimitives.WriteInt64LittleEndian(row[p..], total);
            p += 8;

            // created_at DateTime64(3)
            field = OrderEventKeys.CreatedAtMs;
            error = WriteDateTime64(ref reader, row, ref p, out _);
            if (error != DecodeError.None)
            {
                Fail(ref info, error, field);
                return;
            }

            // line_count UInt16
            field = OrderEventKeys.LineCount;
            error = ReadInteger(ref reader, 0, ushort.MaxValue, out var lines);
            if (error != DecodeError.None)
            {
                Fail(ref info, error, field);
                return;
            }

            BinaryPrimitives.WriteUInt16LittleEndian(row[p..], (ushort)lines);
            p += 2;

            // TraceParent: nil or a string; only located here (it is telemetry, never a reason to reject).
            field = OrderEventKeys.TraceParent;
            if (!reader.TryReadNil())
            {
                if (reader.NextMessagePackType != MessagePackType.String)
                {
                    Fail(ref info, DecodeError.WrongType, field);
                    return;
                }

                var traceParent = reader.ReadStringSequence()!.Value;
                info.TraceParentLength = (int)traceParent.Length;
                info.TraceParentOffset = (int)reader.Consumed - info.TraceParentLength;
            }

            // Appended fields this build knows, each present only if the writer knew it (append-only evolution).
            field = OrderEventKeys.SourceSystemId;
            if (count > field)
            {
                if (reader.NextMessagePackType != MessagePackType.Integer)
                {
                    Fail(ref info, DecodeError.WrongType, field);
                    return;
                }

                info.SourceSystemId = reader.ReadUInt64();
            }

            field = OrderEventKeys.SourceTimeline;
            if (count > field)
            {
                error = ReadInteger(ref reader, 0, uint.MaxValue, out var timeline);
                if (error != DecodeError.None)
                {
                    Fail(ref info, error, field);
                    return;
                }

                info.SourceTimeline = (uint)timeline;
            }

            field = OrderEventKeys.PartitionCount;
            if (count > field)
            {
                error = ReadInteger(ref reader, 0, MaxPartitionCount, out var partitions);
                if (error != DecodeError.None)
                {
                    Fail(ref info, error, field);
                    return;
                }

                info.PartitionCount = (int)partitions;
            }

            // Fields of later schema revisions: skipped (append-only evolution).
            field = OrderEventKeys.Count;
            SkipValues(ref reader, Math.Max(0, count - OrderEventKeys.Count));

            field = -1;
            if (!reader.End)
            {
                Fail(ref info, DecodeError.TrailingBytes, -1);
                return;
            }

            if (isHeartbeat)
            {
                info.Kind = EnvelopeKind.Heartbeat;
            }
            else
            {
                info.Kind = EnvelopeKind.Order;
                info.RowLength = p;
            }
        }
        catch (EndOfStreamException)
        {
            Fail(ref info, DecodeError.Truncated, field);
        }
        catch (MessagePackSerializationException)
        {
            // An invalid code (0xc1) or a header of the wrong family inside an unknown field.
            Fail(ref info, DecodeError.WrongType, field);
        }
        catch (OverflowException)
        {
            Fail(ref info, DecodeError.InvalidValue, field);
        }
    }

    /// <summary>
    /// A version other than this build's: a newer one (a breaking change, contracts.md §3) cannot be read, and must not
    /// be skipped either — the pipeline stops before it. Anything else (0, negative) is garbage: a dead letter.
    /// </summary>
    private static void UnknownVersion(ref EnvelopeInfo info, long version)
    {
        Fail(ref info, DecodeError.UnsupportedSchemaVersion, OrderEventKeys.SchemaVersion);
        info.SchemaVersion = version;
        if (version > OrderEvent.CurrentSchemaVersion)
        {
            info.Kind = EnvelopeKind.NewerSchema;
        }
    }

    private static void Fail(ref EnvelopeInfo info, DecodeError error, int field)
    {
        info.Kind = EnvelopeKind.Invalid;
        info.Error = error;
        info.Field = field;
        info.RowLength = 0;
    }
}
