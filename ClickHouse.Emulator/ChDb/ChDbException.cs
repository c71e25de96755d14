using System.Globalization;

namespace ClickHouse.Emulator.ChDb;

/// <summary>
/// An error reported by the engine, kept verbatim (<c>Code: N. DB::Exception: … (NAME)</c>) so the
/// HTTP layer can hand the client exactly what ClickHouse would have said.
/// </summary>
internal sealed class ChDbException : Exception
{
    /// <summary>ClickHouse's catch-all code, used when a message carries none.</summary>
    public const int UnknownException = 1002;

    public ChDbException(string message)
        : this(ParseCode(message), message)
    {
    }

    public ChDbException(int code, string message)
        : base(message)
    {
        Code = code;
    }

    public ChDbException()
        : this(UnknownException, "Unknown chDB error")
    {
    }

    public ChDbException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = ParseCode(message);
    }

    /// <summary>ClickHouse error code (e.g. 62 SYNTAX_ERROR, 60 UNKNOWN_TABLE).</summary>
    public int Code { get; }

    /// <summary>Builds a message in ClickHouse's own shape for errors the emulator raises itself.</summary>
    public static ChDbException Create(int code, string name, string text) =>
        new(code, string.Create(CultureInfo.InvariantCulture, $"Code: {code}. DB::Exception: {text}. ({name})"));

    private static int ParseCode(string message)
    {
        // Every engine error starts with "Code: <n>."; anything else is not from ClickHouse proper.
        var span = message.AsSpan();
        if (!span.StartsWith("Code: ", StringComparison.Ordinal))
        {
            return UnknownException;
        }

        span = span["Code: ".Length..];
        var end = span.IndexOf('.');
        return end > 0 && int.TryParse(span[..end], NumberStyles.None, CultureInfo.InvariantCulture, out var code)
            ? code
            : UnknownException;
    }
}
