using System.IO.Compression;
using ClickHouse.Emulator.ChDb;
using ZstdSharp;

namespace ClickHouse.Emulator.Http;

/// <summary>
/// HTTP content codings as ClickHouse applies them: request bodies are decoded by their
/// <c>Content-Encoding</c>; responses are encoded only when the client sets
/// <c>enable_http_compression=1</c> and offers a codec in <c>Accept-Encoding</c>.
/// </summary>
internal static class HttpCompression
{
    /// <summary>
    /// ClickHouse picks by its own preference order, ignoring q-values and the client's order
    /// (zstd, br, lz4, snappy, gzip, deflate). lz4 and snappy are not implemented here: a client
    /// offering them besides a codec below gets that codec, one offering only them gets identity.
    /// </summary>
    private static readonly string[] Preference = ["zstd", "br", "gzip", "deflate"];

    /// <summary>Wraps the raw body in a decoder for <paramref name="contentEncoding"/>.</summary>
    public static Stream DecodeRequest(Stream body, string? contentEncoding)
    {
        var coding = contentEncoding?.Trim();
        if (string.IsNullOrEmpty(coding) || coding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            return body;
        }

        return coding.ToLowerInvariant() switch
        {
            "zstd" => new DecompressionStream(body, leaveOpen: true),
            "gzip" or "x-gzip" => new GZipStream(body, CompressionMode.Decompress, leaveOpen: true),
            "deflate" => new ZLibStream(body, CompressionMode.Decompress, leaveOpen: true), // HTTP deflate is zlib
            "br" => new BrotliStream(body, CompressionMode.Decompress, leaveOpen: true),
            _ => throw ChDbException.Create(89, "UNKNOWN_COMPRESSION_METHOD", $"Unknown Content-Encoding '{coding}' (supported: zstd, gzip, deflate, br)"),
        };
    }

    /// <summary>The coding to answer with, or null for an uncompressed response.</summary>
    public static string? ChooseResponseCoding(bool enabled, string? acceptEncoding)
    {
        if (!enabled || string.IsNullOrWhiteSpace(acceptEncoding))
        {
            return null;
        }

        var offered = acceptEncoding
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.Split(';', 2)[0].Trim())
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        return Array.Find(Preference, offered.Contains);
    }

    /// <summary>Wraps the response body in an encoder; disposing it finishes the frame, not the body.</summary>
    public static Stream EncodeResponse(Stream body, string coding) => coding switch
    {
        "zstd" => new CompressionStream(body, level: 3, leaveOpen: true),
        "br" => new BrotliStream(body, CompressionLevel.Fastest, leaveOpen: true),
        "gzip" => new GZipStream(body, CompressionLevel.Fastest, leaveOpen: true),
        "deflate" => new ZLibStream(body, CompressionLevel.Fastest, leaveOpen: true),
        _ => throw new ArgumentOutOfRangeException(nameof(coding), coding, "unsupported response coding"),
    };
}
