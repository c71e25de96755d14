using System.Globalization;
using ClickHouse.Emulator.ChDb;
using Microsoft.Extensions.Primitives;

namespace ClickHouse.Emulator.Http;

/// <summary>
/// The parameters of one ClickHouse HTTP request, split the way ClickHouse splits them: a few
/// HTTP-interface parameters, <c>param_*</c> query parameters, and every other name as a setting for
/// this query only. Parameters come from the URL and, for <c>multipart/form-data</c> bodies (the
/// driver's <c>UseFormDataParameters</c>), from the form fields.
/// </summary>
internal sealed class ClickHouseRequest
{
    /// <summary>ClickHouse's default <c>max_query_size</c>: how much of the body may be query text.</summary>
    public const int DefaultMaxQuerySize = 262_144;

    /// <summary>
    /// Names the HTTP interface consumes itself. Some are settings in ClickHouse too, but they only
    /// govern the HTTP exchange, which is ours, so they are not forwarded to the engine.
    /// </summary>
    private static readonly HashSet<string> HttpOnly = new(StringComparer.Ordinal)
    {
        "query", "database", "default_format", "query_id", "user", "password", "quota_key", "role",
        "stacktrace", "compress", "decompress", "buffer_size", "wait_end_of_query",
        "enable_http_compression", "http_zlib_compression_level", "send_progress_in_http_headers",
        "http_headers_progress_interval_ms", "add_http_cors_header", "client_protocol_version",
        "http_native_compression_disable_checksumming_on_decompress", "session_id", "session_timeout",
        "session_check", "close_session", "http_wait_end_of_query", "http_response_buffer_size",
    };

    private readonly List<KeyValuePair<string, string>> parameters = [];
    private readonly List<KeyValuePair<string, string>> settings = [];
    private SessionProfile? profile;

    private ClickHouseRequest()
    {
    }

    /// <summary>The <c>query</c> parameter; the body (if any) follows it, as in ClickHouse.</summary>
    public string? Query { get; private set; }

    public string? Database { get; private set; }

    /// <summary>Output format when the statement names none (<c>default_format</c>, else TabSeparated).</summary>
    public string DefaultFormat { get; private set; } = "TabSeparated";

    public string QueryId { get; private set; } = string.Empty;

    public string? SessionId { get; private set; }

    /// <summary><c>{name:Type}</c> bindings from <c>param_name=value</c>.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Parameters => parameters;

    public IReadOnlyList<KeyValuePair<string, string>> Settings => settings;

    public bool EnableHttpCompression { get; private set; }

    /// <summary><c>wait_end_of_query=1</c>: buffer the whole result so a late error still sets the status.</summary>
    public bool WaitEndOfQuery { get; private set; }

    public int MaxQuerySize { get; private set; } = DefaultMaxQuerySize;

    /// <summary><c>http_response_buffer_size</c>: output held back before the status is sent.</summary>
    public long? ResponseBufferSize { get; private set; }

    /// <summary>RowBinaryWithNamesAndTypes with binary-encoded types instead of type names.</summary>
    public bool BinaryEncodedTypes => settings.Exists(s => s.Key == "output_format_binary_encode_types_in_binary_format" && IsTrue(s.Value));

    /// <summary>True when the body was a form and has been consumed as parameters.</summary>
    public bool BodyConsumed { get; private set; }

    public SessionProfile Profile => profile ??= new(Database, settings);

    public static async Task<ClickHouseRequest> ParseAsync(HttpRequest http, CancellationToken cancellationToken)
    {
        var request = new ClickHouseRequest();
        foreach (var (name, values) in http.Query)
        {
            request.Add(name, values);
        }

        if (http.HasFormContentType && http.ContentType?.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase) == true)
        {
            var form = await http.ReadFormAsync(cancellationToken);
            if (form.Files.Count > 0)
            {
                throw ChDbException.Create(48, "NOT_IMPLEMENTED", "External data (multipart files) is not supported by ClickHouse.Emulator");
            }

            foreach (var (name, values) in form)
            {
                request.Add(name, values);
            }

            request.BodyConsumed = true;
        }

        // A GET is read-only in ClickHouse (readonly=2: reads, and settings changes, only).
        if (HttpMethods.IsGet(http.Method) && !request.settings.Exists(s => s.Key == "readonly"))
        {
            request.settings.Add(new("readonly", "2"));
        }

        if (string.IsNullOrEmpty(request.QueryId))
        {
            request.QueryId = Guid.NewGuid().ToString();
        }

        return request;
    }

    private void Add(string name, StringValues values)
    {
        var value = values.Count > 0 ? values[^1] ?? string.Empty : string.Empty;
        if (name.StartsWith("param_", StringComparison.Ordinal))
        {
            parameters.Add(new(name["param_".Length..], value));
            return;
        }

        switch (name)
        {
            case "query":
                Query = value;
                return;
            case "database":
                Database = value;
                return;
            case "default_format" when value.Length > 0:
                DefaultFormat = value;
                return;
            case "query_id":
                QueryId = value;
                return;
            case "session_id":
                SessionId = value.Length > 0 ? value : null;
                return;
            case "enable_http_compression":
                EnableHttpCompression = IsTrue(value);
                return;
            case "wait_end_of_query":
                WaitEndOfQuery = IsTrue(value);
                return;
            case "http_response_buffer_size" when long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var buffer):
                ResponseBufferSize = buffer;
                return;
            case "compress" or "decompress" when IsTrue(value):
                // ClickHouse's own block compression (with checksums) is not implemented; HTTP
                // Content-Encoding / enable_http_compression cover the same need.
                throw ChDbException.Create(48, "NOT_IMPLEMENTED", $"{name}=1 (ClickHouse native compression) is not supported by ClickHouse.Emulator; use Content-Encoding / enable_http_compression");
            case "max_query_size" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size > 0:
                MaxQuerySize = size;
                break; // also a real setting: forwarded below
        }

        if (HttpOnly.Contains(name))
        {
            return;
        }

        if (!SessionProfile.IsValidSettingName(name))
        {
            throw ChDbException.Create(115, "UNKNOWN_SETTING", $"Unknown setting '{name}'");
        }

        settings.Add(new(name, value));
    }

    private static bool IsTrue(string value) =>
        value == "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase);
}
