using System.Buffers.Binary;
using System.IO.Hashing;

namespace PolyglotAspire.SyncWorker.Backfill;

/// <summary>
/// The <c>event_id</c> of a backfilled row or a tombstone: a UUID (RFC 9562 version 8, "custom") made of the XXH128
/// hash of the order id, the version and whether it is a deletion, so running a backfill again writes the same id
/// for the same state (and a stream event's own id never collides with it in practice: those are random UUIDv7s).
/// Written in ClickHouse's RowBinary UUID layout.
/// </summary>
internal static class BackfillEventId
{
    public static void Write(ReadOnlySpan<byte> orderId, uint version, bool deleted, Span<byte> destination)
    {
        Span<byte> input = stackalloc byte[21];
        orderId.CopyTo(input);
        BinaryPrimitives.WriteUInt32BigEndian(input[16..], version);
        input[20] = deleted ? (byte)1 : (byte)0;
        Span<byte> uuid = stackalloc byte[16];
        XxHash128.Hash(input, uuid);
        uuid[6] = (byte)(0x80 | (uuid[6] & 0x0F)); // version 8
        uuid[8] = (byte)(0x80 | (uuid[8] & 0x3F)); // RFC 9562 variant
        SnapshotRowDecoder.WriteUuid(uuid, destination);
    }
}
