using System.Buffers.Text;

namespace PolyglotAspire.OrdersApi.Apis;

/// <summary>
/// The keyset cursor of <c>GET /api/orders</c>: the id of the last order of a page (pages are ordered by id
/// descending; ids are UUIDv7, so newest first). Opaque to clients: base64url of a format byte and the 16 id bytes,
/// so the format can change without clients noticing.
/// </summary>
public static class PageCursor
{
    private const byte FormatV1 = 1;
    private const int ByteLength = 17;

    /// <summary>23 base64url characters (17 bytes, no padding).</summary>
    public const int TextLength = 23;

    public static string Encode(Guid lastId)
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        bytes[0] = FormatV1;
        lastId.TryWriteBytes(bytes[1..], bigEndian: true, out _);
        return Base64Url.EncodeToString(bytes);
    }

    public static bool TryDecode(string? text, out Guid lastId)
    {
        lastId = Guid.Empty;
        if (text is not { Length: TextLength })
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[ByteLength + 2];
        // DecodeFromChars reports invalid input as a status (TryDecodeFromChars throws on a non-base64url character).
        if (Base64Url.DecodeFromChars(text, bytes, out _, out var written) != System.Buffers.OperationStatus.Done
            || written != ByteLength || bytes[0] != FormatV1)
        {
            return false;
        }

        lastId = new Guid(bytes.Slice(1, 16), bigEndian: true);
        return true;
    }
}
