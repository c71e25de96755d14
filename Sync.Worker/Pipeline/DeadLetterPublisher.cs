using System.Text.Json;
using Confluent.Kafka;
using PolyglotAspire.Contracts;
using PolyglotAspire.SyncWorker.Encoding;

namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>
/// Produces dead letters to <c>orders.events.dlq</c>. Kafka 0.9 drops message headers, so the record is
/// self-describing: the value is a small JSON document (format <c>polyglot.dead-letter/1</c>) with the source
/// topic, partition and offset, the reason, the failing field, when, and the original key and value bytes
/// (base64). The key is the original key, so one order's dead letters stay in order on one partition.
/// </summary>
internal sealed class DeadLetterPublisher(IProducer<byte[]?, byte[]> producer, string sourceTopic, string deadLetterTopic, TimeProvider time)
    : IDeadLetterPublisher
{
    public const string Format = "polyglot.dead-letter/1";

    /// <summary>
    /// Produces the dead letter with its original bytes; if the broker (or librdkafka's <c>message.max.bytes</c>)
    /// refuses it as too large — base64 makes it a third bigger than the message that fitted the source topic — it
    /// produces the record without the value instead (its length and SHA-256 say which it was; the original stays at
    /// its offset in the source topic until retention). Retrying the same too-large record would stall the committer
    /// for ever (issue 13 item 9).
    /// </summary>
    public async Task PublishAsync(DeadLetter letter)
    {
        var at = time.GetUtcNow();
        try
        {
            await producer.ProduceAsync(deadLetterTopic, new Message<byte[]?, byte[]> { Key = letter.Key, Value = Serialize(letter, sourceTopic, at) });
        }
        catch (ProduceException<byte[]?, byte[]> ex) when (ex.Error.Code is ErrorCode.MsgSizeTooLarge or ErrorCode.RecordListTooLarge)
        {
            await producer.ProduceAsync(deadLetterTopic, new Message<byte[]?, byte[]> { Key = letter.Key, Value = Serialize(letter, sourceTopic, at, includeValue: false) });
        }
    }

    public static byte[] Serialize(DeadLetter letter, string sourceTopic, DateTimeOffset at, bool includeValue = true)
    {
        using var stream = new MemoryStream(letter.Value.Length * 4 / 3 + 256);
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("format", Format);
            json.WriteString("topic", sourceTopic);
            json.WriteNumber("partition", letter.Partition);
            json.WriteNumber("offset", letter.Offset);
            json.WriteString("consumerGroup", SyncWorkerOptions.ConsumerGroup);
            json.WriteString("reason", DeadLetterReasons.Name(letter.Error));
            if (letter.Field >= 0)
            {
                json.WriteNumber("field", letter.Field);
                json.WriteString("fieldName", FieldName(letter.Field));
            }

            json.WriteString("deadLetteredAt", at.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            if (letter.Key is null)
            {
                json.WriteNull("key");
            }
            else
            {
                json.WriteBase64String("key", letter.Key);
            }

            if (includeValue)
            {
                json.WriteBase64String("value", letter.Value);
            }
            else
            {
                json.WriteNull("value");
                json.WriteString("valueOmitted", "too large for the dead-letter topic; read it at its offset in the source topic");
                json.WriteNumber("valueLength", letter.Value.Length);
                json.WriteString("valueSha256", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(letter.Value)));
            }

            json.WriteEndObject();
        }

        return stream.ToArray();
    }

    private static string FieldName(int field) => field switch
    {
        OrderEventKeys.SchemaVersion => nameof(OrderEvent.SchemaVersion),
        OrderEventKeys.EventId => nameof(OrderEvent.EventId),
        OrderEventKeys.EventType => nameof(OrderEvent.EventType),
        OrderEventKeys.OrderId => nameof(OrderEvent.OrderId),
        OrderEventKeys.OrderVersion => nameof(OrderEvent.OrderVersion),
        OrderEventKeys.CommitLsn => nameof(OrderEvent.CommitLsn),
        OrderEventKeys.CommitTimeMs => nameof(OrderEvent.CommitTimeMs),
        OrderEventKeys.CustomerId => nameof(OrderEvent.CustomerId),
        OrderEventKeys.Region => nameof(OrderEvent.Region),
        OrderEventKeys.Currency => nameof(OrderEvent.Currency),
        OrderEventKeys.Status => nameof(OrderEvent.Status),
        OrderEventKeys.TotalCents => nameof(OrderEvent.TotalCents),
        OrderEventKeys.CreatedAtMs => nameof(OrderEvent.CreatedAtMs),
        OrderEventKeys.LineCount => nameof(OrderEvent.LineCount),
        OrderEventKeys.TraceParent => nameof(OrderEvent.TraceParent),
        _ => "(unknown field " + field.ToString(System.Globalization.CultureInfo.InvariantCulture) + ")",
    };
}
