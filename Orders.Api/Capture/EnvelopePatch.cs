using System.Buffers;
using MessagePack;
using PolyglotAspire.Contracts;

namespace PolyglotAspire.OrdersApi.Capture;

/// <summary>
/// Fills in the fields the relay owns — commit LSN and time, the source identity — in an outbox envelope, and copies
/// every other field byte for byte. Nothing a newer writer appended is lost (contracts.md §3): the relay re-encodes
/// no field it does not own, so it needs no knowledge of them.
/// </summary>
internal static class EnvelopePatch
{
    /// <summary>The patched envelope; an envelope from before the source fields gets them appended.</summary>
    public static byte[] Apply(ReadOnlyMemory<byte> envelope, ulong commitLsn, long commitTimeMs, SourceIdentity source)
    {
        var reader = new MessagePackReader(envelope);
        var count = reader.ReadArrayHeader();
        if (count < OrderEventKeys.Required)
        {
            throw new MessagePackSerializationException($"An envelope has at least {OrderEventKeys.Required} fields; this one has {count}.");
        }

        var output = new ArrayBufferWriter<byte>(envelope.Length + 24);
        var writer = new MessagePackWriter(output);
        var total = Math.Max(count, OrderEventKeys.SourceTimeline + 1);
        writer.WriteArrayHeader(total);
        for (var field = 0; field < total; field++)
        {
            if (field < count)
            {
                var start = reader.Position;
                reader.Skip();
                if (!IsOwned(field))
                {
                    writer.WriteRaw(reader.Sequence.Slice(start, reader.Position));
                    continue;
                }
            }

            switch (field)
            {
                case OrderEventKeys.CommitLsn: writer.Write(commitLsn); break;
                case OrderEventKeys.CommitTimeMs: writer.Write(commitTimeMs); break;
                case OrderEventKeys.SourceSystemId: writer.Write(source.SystemId); break;
                case OrderEventKeys.SourceTimeline: writer.Write(source.Timeline); break;
            }
        }

        writer.Flush();
        return output.WrittenSpan.ToArray();
    }

    private static bool IsOwned(int field) => field is OrderEventKeys.CommitLsn or OrderEventKeys.CommitTimeMs
        or OrderEventKeys.SourceSystemId or OrderEventKeys.SourceTimeline;
}
