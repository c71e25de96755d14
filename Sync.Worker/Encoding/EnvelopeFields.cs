using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text.Unicode;
using MessagePack;
using PolyglotAspire.Contracts;

namespace PolyglotAspire.SyncWorker.Encoding;

/// <summary>
/// The field readers of <see cref="EnvelopeTranscoder"/>: each reads one MessagePack value, checks its type and range
/// and writes it as ClickHouse RowBinary, without allocating.
/// </summary>
internal static class EnvelopeFields
{
    /// <summary>DateTime64's range (1900-01-01 to 2299-12-31 23:59:59.999 UTC), in unix milliseconds.</summary>
    private const long MinDateTime64Ms = -2_208_988_800_000;
    private const long MaxDateTime64Ms = 10_413_791_999_999;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryReadInteger(ref MessagePackReader reader, out long value)
    {
        if (reader.NextMessagePackType != MessagePackType.Integer)
        {
            value = 0;
            return false;
        }

        value = reader.ReadInt64(); // a uint64 above long.MaxValue throws OverflowException: InvalidValue
        return true;
    }

    /// <summary>
    /// A MessagePack bin 16 holding the RFC 4122 (big-endian) bytes, written as ClickHouse's RowBinary UUID:
    /// the high and the low 64-bit halves, each little-endian.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static DecodeError WriteUuid(ref MessagePackReader reader, Span<byte> row, ref int p)
    {
        if (reader.NextMessagePackType != MessagePackType.Binary)
        {
            return DecodeError.WrongType;
        }

        var bytes = reader.ReadBytes()!.Value;
        if (bytes.Length != UuidFormatter.Size)
        {
            return DecodeError.InvalidValue;
        }

        var span = bytes.FirstSpan; // one contiguous envelope: always a single segment
        BinaryPrimitives.WriteUInt64LittleEndian(row[p..], BinaryPrimitives.ReadUInt64BigEndian(span));
        BinaryPrimitives.WriteUInt64LittleEndian(row[(p + 8)..], BinaryPrimitives.ReadUInt64BigEndian(span[8..]));
        p += UuidFormatter.Size;
        return DecodeError.None;
    }

    /// <summary>An integer in [<paramref name="min"/>, <paramref name="max"/>]: WrongType if it is not an integer, InvalidValue outside the range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static DecodeError ReadInteger(ref MessagePackReader reader, long min, long max, out long value) =>
        !TryReadInteger(ref reader, out value) ? DecodeError.WrongType
        : value < min || value > max ? DecodeError.InvalidValue
        : DecodeError.None;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static DecodeError WriteDateTime64(ref MessagePackReader reader, Span<byte> row, ref int p, out long ms)
    {
        if (ReadInteger(ref reader, MinDateTime64Ms, MaxDateTime64Ms, out ms) is var error and not DecodeError.None)
        {
            return error;
        }

        BinaryPrimitives.WriteInt64LittleEndian(row[p..], ms);
        p += 8;
        return DecodeError.None;
    }

    /// <summary>A non-nil MessagePack str, written as RowBinary String: LEB128 length, then the UTF-8 bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static DecodeError WriteString(ref MessagePackReader reader, Span<byte> row, ref int p)
    {
        if (reader.NextMessagePackType != MessagePackType.String)
        {
            return DecodeError.WrongType;
        }

        if (!reader.TryReadStringSpan(out var text))
        {
            // Only a multi-segment sequence splits a string; an envelope is one contiguous buffer.
            text = reader.ReadStringSequence()!.Value.FirstSpan;
        }

        if (!Utf8.IsValid(text))
        {
            return DecodeError.InvalidUtf8;
        }

        var length = (uint)text.Length;
        while (length >= 0x80)
        {
            row[p++] = (byte)(length | 0x80);
            length >>= 7;
        }

        row[p++] = (byte)length;
        text.CopyTo(row[p..]);
        p += text.Length;
        return DecodeError.None;
    }

    /// <summary>Skips <paramref name="count"/> values of any shape, iteratively (no recursion into nested containers).</summary>
    internal static void SkipValues(ref MessagePackReader reader, long count)
    {
        while (count > 0)
        {
            count--;
            switch (reader.NextMessagePackType)
            {
                case MessagePackType.Array:
                    count += reader.ReadArrayHeader(); // bounded by the bytes left: at least one per element
                    break;
                case MessagePackType.Map:
                    count += 2L * reader.ReadMapHeader();
                    break;
                default:
                    reader.Skip(); // a scalar: no recursion
                    break;
            }
        }
    }
}
