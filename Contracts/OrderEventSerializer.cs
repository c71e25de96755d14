using MessagePack;
using MessagePack.Resolvers;

namespace PolyglotAspire.Contracts;

/// <summary>The one MessagePack configuration both ends use for <see cref="OrderEvent"/>.</summary>
public static class OrderEventSerializer
{
    /// <summary>Standard resolvers plus <see cref="UuidFormatter"/>; hardened for data off the wire.</summary>
    public static readonly MessagePackSerializerOptions Options = MessagePackSerializerOptions.Standard
        .WithResolver(CompositeResolver.Create([UuidFormatter.Instance], [StandardResolver.Instance]))
        .WithSecurity(MessagePackSecurity.UntrustedData);

    public static byte[] Serialize(OrderEvent value) => MessagePackSerializer.Serialize(value, Options);

    public static void Serialize(System.Buffers.IBufferWriter<byte> writer, OrderEvent value) =>
        MessagePackSerializer.Serialize(writer, value, Options);

    public static OrderEvent Deserialize(ReadOnlyMemory<byte> bytes) =>
        MessagePackSerializer.Deserialize<OrderEvent>(bytes, Options);
}
