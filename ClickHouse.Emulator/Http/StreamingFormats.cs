namespace ClickHouse.Emulator.Http;

/// <summary>
/// Which output formats can be streamed chunk by chunk, and how to join the chunks.
/// <para>
/// chDB formats every chunk of a streaming query as a complete output of its own: each chunk repeats
/// the format's header (names and types) and, for formats such as JSON, its prefix and suffix too.
/// Row formats can be joined by dropping the repeated header from every chunk after the first; the
/// rest (JSON, Pretty, XML, Parquet, Arrow …) are run to completion and sent whole.
/// </para>
/// </summary>
internal static class StreamingFormats
{
    private enum Header
    {
        None,
        TextLines,
        CsvLines,
        RowBinary,
    }

    private static readonly Dictionary<string, (Header Kind, int Count)> Formats = new(StringComparer.OrdinalIgnoreCase)
    {
        ["RowBinary"] = (Header.None, 0),
        ["RowBinaryWithNames"] = (Header.RowBinary, 1),
        ["RowBinaryWithNamesAndTypes"] = (Header.RowBinary, 2),
        ["Native"] = (Header.None, 0), // a sequence of self-describing blocks
        ["TabSeparated"] = (Header.None, 0),
        ["TSV"] = (Header.None, 0),
        ["TabSeparatedRaw"] = (Header.None, 0),
        ["TSVRaw"] = (Header.None, 0),
        ["TabSeparatedWithNames"] = (Header.TextLines, 1),
        ["TSVWithNames"] = (Header.TextLines, 1),
        ["TabSeparatedRawWithNames"] = (Header.TextLines, 1),
        ["TSVRawWithNames"] = (Header.TextLines, 1),
        ["TabSeparatedWithNamesAndTypes"] = (Header.TextLines, 2),
        ["TSVWithNamesAndTypes"] = (Header.TextLines, 2),
        ["TabSeparatedRawWithNamesAndTypes"] = (Header.TextLines, 2),
        ["TSVRawWithNamesAndTypes"] = (Header.TextLines, 2),
        ["CSV"] = (Header.None, 0),
        ["CSVWithNames"] = (Header.CsvLines, 1),
        ["CSVWithNamesAndTypes"] = (Header.CsvLines, 2),
        ["JSONEachRow"] = (Header.None, 0),
        ["JSONLines"] = (Header.None, 0),
        ["NDJSON"] = (Header.None, 0),
        ["JSONStringsEachRow"] = (Header.None, 0),
        ["JSONCompactEachRow"] = (Header.None, 0),
        ["JSONCompactStringsEachRow"] = (Header.None, 0),
        ["JSONCompactEachRowWithNames"] = (Header.TextLines, 1),
        ["JSONCompactEachRowWithNamesAndTypes"] = (Header.TextLines, 2),
        ["JSONCompactStringsEachRowWithNames"] = (Header.TextLines, 1),
        ["JSONCompactStringsEachRowWithNamesAndTypes"] = (Header.TextLines, 2),
        ["TSKV"] = (Header.None, 0),
        ["LineAsString"] = (Header.None, 0),
        ["Null"] = (Header.None, 0),
    };

    /// <summary>
    /// True when <paramref name="format"/> can be streamed. Binary-encoded type headers
    /// (<c>output_format_binary_encode_types_in_binary_format</c>) are not parsed here, so that case is not.
    /// </summary>
    public static bool CanStream(string format, bool binaryEncodedTypes) =>
        Formats.TryGetValue(format, out var f) && !(f.Kind == Header.RowBinary && f.Count == 2 && binaryEncodedTypes);

    /// <summary>
    /// Length of the header at the start of <paramref name="firstChunk"/> that every later chunk
    /// repeats (0 for headerless formats), or -1 if it cannot be found.
    /// </summary>
    public static int HeaderLength(string format, ReadOnlySpan<byte> firstChunk)
    {
        var (kind, count) = Formats[format];
        return kind switch
        {
            Header.None => 0,
            Header.TextLines => SkipLines(firstChunk, count, csvQuotes: false),
            Header.CsvLines => SkipLines(firstChunk, count, csvQuotes: true),
            Header.RowBinary => RowBinaryHeaderLength(firstChunk, count),
            _ => -1,
        };
    }

    private static int SkipLines(ReadOnlySpan<byte> data, int lines, bool csvQuotes)
    {
        var inQuotes = false;
        for (var i = 0; i < data.Length; i++)
        {
            var c = data[i];
            if (csvQuotes && c == (byte)'"')
            {
                inQuotes = !inQuotes; // a doubled quote toggles twice
            }
            else if (c == (byte)'\n' && !inQuotes && --lines == 0)
            {
                return i + 1;
            }
        }

        return -1;
    }

    /// <summary>
    /// <c>varint(columns)</c>, then the names and, with types, the type names, each a
    /// <c>varint(length)</c> followed by the bytes.
    /// </summary>
    private static int RowBinaryHeaderLength(ReadOnlySpan<byte> data, int stringsPerColumn)
    {
        var position = 0;
        if (!TryReadVarint(data, ref position, out var columns))
        {
            return -1;
        }

        for (ulong i = 0; i < columns * (ulong)stringsPerColumn; i++)
        {
            if (!TryReadVarint(data, ref position, out var length) || length > (ulong)(data.Length - position))
            {
                return -1;
            }

            position += (int)length;
        }

        return position;
    }

    private static bool TryReadVarint(ReadOnlySpan<byte> data, ref int position, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64 && position < data.Length; shift += 7)
        {
            var b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return true;
            }
        }

        return false;
    }
}
