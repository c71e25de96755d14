using Confluent.Kafka;

namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>
/// Kafka key and value deserializer that copies the bytes librdkafka hands over (a span over its own buffer)
/// straight into the current <see cref="RawBlock"/>: no <c>byte[]</c> per message. Used on the consume thread only.
/// </summary>
internal sealed class RawBlockDeserializer : IDeserializer<RawRef>
{
    public RawBlock? Target { get; set; }

    public RawRef Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) =>
        isNull ? RawRef.Null : (Target ?? throw new InvalidOperationException("No target block: consume only from the consume loop.")).Append(data);
}
