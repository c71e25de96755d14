using System.Buffers.Binary;
using PolyglotAspire.Contracts.Analytics;
using PolyglotAspire.SyncWorker.ClickHouse;

namespace PolyglotAspire.SyncWorker.Backfill;

/// <summary>
/// PostgreSQL's binary <c>COPY</c> of <see cref="SnapshotSql"/>'s columns → ClickHouse RowBinary of <c>orders</c> in
/// <see cref="OrdersTable.InsertColumns"/> order (and of <c>backfill_snapshot</c>: created_at, order_id), one tuple at a
/// time, straight from the bytes read: no object per row. A row states the order as of the snapshot: its version is
/// PostgreSQL's <c>orders.version</c> (so it collapses with the stream's event of that version, the same state, and
/// loses to any later one), <c>is_deleted</c> 0, <c>commit_lsn</c> the snapshot's LSN, <c>commit_time</c> the row's commit
/// timestamp, <c>event_id</c> a hash of the order id and version (<see cref="BackfillEventId"/>).
/// </summary>
internal static class SnapshotRowDecoder
{
    /// <summary>The COPY binary file header's fixed part: signature (11 bytes), flags, extension length.</summary>
    /// <remarks>Bytes, not a u8 literal: <c>\xff</c> in a u8 string is U+00FF, two bytes in UTF-8.</remarks>
    private static ReadOnlySpan<byte> Signature => [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0];

    public const int Columns = 10;

    /// <summary>A row never needs more than its tuple plus this (event id, flags, LSN and the varint growth of 4 strings).</summary>
    public const int RowOverhead = 64;

    /// <summary>2000-01-01 (PostgreSQL's epoch) in unix milliseconds.</summary>
    private const long PostgresEpochMs = 946_684_800_000;

    /// <summary>
    /// The header's length once <paramref name="data"/> holds all of it (0: not yet); throws if it is no binary COPY.
    /// </summary>
    public static int ReadHeader(ReadOnlySpan<byte> data)
    {
        if (data.Length < Signature.Length + 8)
        {
            return 0;
        }

        if (!data[..Signature.Length].SequenceEqual(Signature))
        {
            throw new InvalidDataException("Not a PostgreSQL binary COPY stream.");
        }

        var extension = BinaryPrimitives.ReadInt32BigEndian(data[(Signature.Length + 4)..]);
        var length = Signature.Length + 8 + extension;
        return data.Length >= length ? length : 0;
    }

    /// <summary>
    /// The length of the tuple at the start of <paramref name="data"/> once all of it is there (0: not yet);
    /// -1 for the trailer that ends the data.
    /// </summary>
    public static int TupleLength(ReadOnlySpan<byte> data)
    {
        if (data.Length < 2)
        {
            return 0;
        }

        var fields = BinaryPrimitives.ReadInt16BigEndian(data);
        if (fields == -1)
        {
            return -1;
        }

        if (fields != Columns)
        {
            throw new InvalidDataException($"A snapshot row has {fields} columns; expected {Columns}.");
        }

        var p = 2;
        for (var i = 0; i < Columns; i++)
        {
            if (data.Length < p + 4)
            {
                return 0;
            }

            var length = BinaryPrimitives.ReadInt32BigEndian(data[p..]);
            if (length < 0)
            {
                throw new InvalidDataException($"Column {i} of a snapshot row is null.");
            }

            p += 4 + length;
        }

        return data.Length >= p ? p : 0;
    }

    /// <summary>
    /// Writes the complete tuple <paramref name="tuple"/> (<see cref="TupleLength"/> bytes) as one <c>orders</c> row into
    /// <paramref name="orders"/> and its (created_at, order_id) into <paramref name="ids"/>.
    /// </summary>
    public static void Write(ReadOnlySpan<byte> tuple, ulong snapshotLsn, RowBinaryBuffer orders, RowBinaryBuffer ids)
    {
        var fields = new FieldReader(tuple[2..]);
        var id = fields.Next();
        var version = (uint)BinaryPrimitives.ReadInt32BigEndian(fields.Next());
        var customer = fields.Next();
        var region = fields.Next();
        var currency = fields.Next();
        var status = fields.Next();
        var totalCents = NumericCents(fields.Next());
        var createdAtMs = TimestampMs(fields.Next());
        var commitTimeMs = TimestampMs(fields.Next());
        var lineCount = BinaryPrimitives.ReadInt32BigEndian(fields.Next());

        var row = orders.GetSpan(tuple.Length + RowOverhead);
        var p = 0;
        BackfillEventId.Write(id, version, deleted: false, row);
        p += 16;
        row[p++] = 0; // is_deleted
        p += WriteUuid(id, row[p..]);
        BinaryPrimitives.WriteUInt32LittleEndian(row[p..], version);
        BinaryPrimitives.WriteUInt64LittleEndian(row[(p + 4)..], snapshotLsn);
        BinaryPrimitives.WriteInt64LittleEndian(row[(p + 12)..], commitTimeMs);
        p += 20;
        p += WriteString(customer, row[p..]);
        p += WriteString(region, row[p..]);
        p += WriteString(currency, row[p..]);
        p += WriteString(status, row[p..]);
        BinaryPrimitives.WriteInt64LittleEndian(row[p..], totalCents);
        BinaryPrimitives.WriteInt64LittleEndian(row[(p + 8)..], createdAtMs);
        BinaryPrimitives.WriteUInt16LittleEndian(row[(p + 16)..], checked((ushort)lineCount));
        orders.Advance(p + 18);

        var key = ids.GetSpan(24);
        BinaryPrimitives.WriteInt64LittleEndian(key, createdAtMs);
        WriteUuid(id, key[8..]);
        ids.Advance(24);
    }

    /// <summary>RFC 4122 (big-endian) bytes as ClickHouse's RowBinary UUID: the high and the low 64-bit halves, each little-endian.</summary>
    public static int WriteUuid(ReadOnlySpan<byte> bigEndian, Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, BinaryPrimitives.ReadUInt64BigEndian(bigEndian));
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], BinaryPrimitives.ReadUInt64BigEndian(bigEndian[8..]));
        return 16;
    }

    /// <summary>RowBinary String: LEB128 length, then the UTF-8 bytes (PostgreSQL sends text in the client encoding, UTF-8).</summary>
    public static int WriteString(ReadOnlySpan<byte> text, Span<byte> destination)
    {
        var p = 0;
        var length = (uint)text.Length;
        while (length >= 0x80)
        {
            destination[p++] = (byte)(length | 0x80);
            length >>= 7;
        }

        destination[p++] = (byte)length;
        text.CopyTo(destination[p..]);
        return p + text.Length;
    }

    /// <summary>A <c>timestamptz</c> (microseconds since 2000-01-01 UTC) in unix milliseconds, floored as the envelope's are.</summary>
    public static long TimestampMs(ReadOnlySpan<byte> value) =>
        Math.DivRem(BinaryPrimitives.ReadInt64BigEndian(value), 1000, out var rest) + (rest < 0 ? -1 : 0) + PostgresEpochMs;

    /// <summary>
    /// A binary <c>numeric</c> (digit count, weight, sign, display scale, then base-10000 digits) as hundredths — what
    /// <c>numeric(18, 2)</c> and ClickHouse's <c>Decimal(18, 2)</c> hold exactly.
    /// </summary>
    public static long NumericCents(ReadOnlySpan<byte> value)
    {
        var digits = BinaryPrimitives.ReadInt16BigEndian(value);
        var weight = BinaryPrimitives.ReadInt16BigEndian(value[2..]);
        var sign = BinaryPrimitives.ReadUInt16BigEndian(value[4..]);
        if (sign is not (0x0000 or 0x4000))
        {
            throw new InvalidDataException("A total is NaN or infinite.");
        }

        // value = Σ digit[i] × 10000^(weight − i); in hundredths: × 100.
        long cents = 0;
        var exponent = weight; // of the next digit, in powers of 10000
        for (var i = 0; i < digits; i++, exponent--)
        {
            var digit = BinaryPrimitives.ReadInt16BigEndian(value[(8 + 2 * i)..]);
            cents = exponent >= 0
                ? checked(cents + digit * Pow10000(exponent) * 100)
                : exponent == -1 && digit % 100 == 0
                    ? checked(cents + digit / 100)
                    : throw new InvalidDataException("A total has more than two decimals.");
        }

        return sign == 0x4000 ? -cents : cents;
    }

    private static long Pow10000(int exponent)
    {
        long power = 1;
        for (var i = 0; i < exponent; i++)
        {
            power = checked(power * 10_000);
        }

        return power;
    }

    /// <summary>The fields of a tuple in order (each a 32-bit big-endian length, then the bytes).</summary>
    private ref struct FieldReader(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _rest = data;

        public ReadOnlySpan<byte> Next()
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(_rest);
            var field = _rest.Slice(4, length);
            _rest = _rest[(4 + length)..];
            return field;
        }
    }
}
