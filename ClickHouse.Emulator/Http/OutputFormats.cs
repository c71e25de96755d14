namespace ClickHouse.Emulator.Http;

/// <summary>The <c>Content-Type</c> ClickHouse sends for an output format.</summary>
internal static class OutputFormats
{
    private const string Binary = "application/octet-stream";

    public static string ContentType(string format)
    {
        if (format.StartsWith("RowBinary", StringComparison.OrdinalIgnoreCase)
            || format.StartsWith("Arrow", StringComparison.OrdinalIgnoreCase)
            || format.StartsWith("Protobuf", StringComparison.OrdinalIgnoreCase)
            || format is "Native" or "Parquet" or "ORC" or "Avro" or "MsgPack" or "CapnProto" or "BSONEachRow" or "Npy")
        {
            return Binary;
        }

        if (format.StartsWith("TabSeparated", StringComparison.OrdinalIgnoreCase) || format.StartsWith("TSV", StringComparison.OrdinalIgnoreCase))
        {
            return "text/tab-separated-values; charset=UTF-8";
        }

        if (format.StartsWith("CSV", StringComparison.OrdinalIgnoreCase))
        {
            return "text/csv; charset=UTF-8; header=" + (format.Contains("Names", StringComparison.OrdinalIgnoreCase) ? "present" : "absent");
        }

        if (format.StartsWith("JSON", StringComparison.OrdinalIgnoreCase))
        {
            return format.Contains("EachRow", StringComparison.OrdinalIgnoreCase) || format.Contains("Lines", StringComparison.OrdinalIgnoreCase)
                ? "application/x-ndjson; charset=UTF-8"
                : "application/json; charset=UTF-8";
        }

        return format.Equals("XML", StringComparison.OrdinalIgnoreCase) ? "application/xml; charset=UTF-8" : "text/plain; charset=UTF-8";
    }
}
