using MessagePack;
using MessagePack.Formatters;

namespace PolyglotAspire.Contracts;

/// <summary>
/// Writes a <see cref="Guid"/> as MessagePack bin 16 in RFC 4122 (big-endian) byte order: half the size of the
/// default string form, and the layout ClickHouse reads as a UUID, so non-.NET readers agree on the value.
/// </summary>
public sealed class UuidFormatter : IMessagePackFormatter<Guid>
{
    public const int Size = 16;

    public static readonly UuidFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, Guid value, MessagePackSerializerOptions options)
    {
        writer.WriteBinHeader(Size);
        value.TryWriteBytes(writer.GetSpan(Size), bigEndian: true, out _);
        writer.Advance(Size);
    }

    public Guid Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        var bytes = reader.ReadBytes() ?? throw new MessagePackSerializationException("A UUID cannot be nil.");
        if (bytes.Length != Size)
        {
            throw new MessagePackSerializationException($"A UUID is {Size} bytes, not {bytes.Length}.");
        }

        return bytes.IsSingleSegment
            ? new Guid(bytes.FirstSpan, bigEndian: true)
            : new Guid(System.Buffers.BuffersExtensions.ToArray(bytes), bigEndian: true);
    }
}
