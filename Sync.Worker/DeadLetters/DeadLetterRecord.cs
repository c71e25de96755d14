using System.Text.Json;
using PolyglotAspire.SyncWorker.Pipeline;

namespace PolyglotAspire.SyncWorker.DeadLetters;

/// <summary>
/// One message of <c>orders.events.dlq</c>: either the worker's self-describing JSON record (format
/// <c>polyglot.dead-letter/1</c>, Sync.Worker/README.md) holding the original bytes, or — from the capture relay — the
/// original bytes themselves.
/// </summary>
internal readonly record struct DeadLetterRecord(byte[] Original, int? SourcePartition, long? SourceOffset)
{
    public static DeadLetterRecord Parse(byte[] value)
    {
        if (value.Length > 0 && value[0] == (byte)'{')
        {
            try
            {
                using var json = JsonDocument.Parse(value);
                var root = json.RootElement;
                if (root.ValueKind == JsonValueKind.Object
                    && root.TryGetProperty("format", out var format) && format.ValueEquals(DeadLetterPublisher.Format)
                    && root.TryGetProperty("value", out var original) && original.ValueKind == JsonValueKind.String)
                {
                    return new DeadLetterRecord(original.GetBytesFromBase64(),
                        root.TryGetProperty("partition", out var p) && p.TryGetInt32(out var partition) ? partition : null,
                        root.TryGetProperty("offset", out var o) && o.TryGetInt64(out var offset) ? offset : null);
                }
            }
            catch (Exception ex) when (ex is JsonException or FormatException)
            {
                // Not our record after all: the bytes themselves are what was dead-lettered.
            }
        }

        return new DeadLetterRecord(value, null, null);
    }
}
