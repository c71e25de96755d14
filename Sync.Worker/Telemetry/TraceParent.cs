using System.Diagnostics;

namespace PolyglotAspire.SyncWorker.Telemetry;

/// <summary>Parses a W3C traceparent from UTF-8 without allocating (version 00: <c>00-{32 hex}-{16 hex}-{2 hex}</c>).</summary>
internal static class TraceParent
{
    public static bool TryParse(ReadOnlySpan<byte> text, out ActivityContext context)
    {
        context = default;
        if (text.Length != 55 || text[0] != '0' || text[1] != '0' || text[2] != '-' || text[35] != '-' || text[52] != '-'
            || !IsLowerHex(text.Slice(3, 32)) || !IsLowerHex(text.Slice(36, 16)) || !IsLowerHex(text.Slice(53, 2)))
        {
            return false;
        }

        // All-zero ids are invalid by the W3C spec.
        if (!text.Slice(3, 32).ContainsAnyExcept((byte)'0') || !text.Slice(36, 16).ContainsAnyExcept((byte)'0'))
        {
            return false;
        }

        var traceId = ActivityTraceId.CreateFromUtf8String(text.Slice(3, 32));
        var spanId = ActivitySpanId.CreateFromUtf8String(text.Slice(36, 16));

        var flags = (Hex(text[53]) << 4) | Hex(text[54]);
        context = new ActivityContext(traceId, spanId, (ActivityTraceFlags)(flags & 1), isRemote: true);
        return true;
    }

    private static bool IsLowerHex(ReadOnlySpan<byte> span)
    {
        foreach (var c in span)
        {
            if (c is not (>= (byte)'0' and <= (byte)'9') and not (>= (byte)'a' and <= (byte)'f'))
            {
                return false;
            }
        }

        return true;
    }

    private static int Hex(byte c) => c <= '9' ? c - '0' : c - 'a' + 10;
}
