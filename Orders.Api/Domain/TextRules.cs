using System.Text;

namespace PolyglotAspire.OrdersApi.Domain;

/// <summary>
/// Rules for free text that reaches PostgreSQL and Kafka. PostgreSQL <c>text</c> cannot hold U+0000, and Npgsql
/// refuses strings with unpaired surrogates: both must be a 400, never a 500, so they are rejected here.
/// </summary>
public static class TextRules
{
    /// <summary>Well-formed UTF-16, no control characters, no leading or trailing white space.</summary>
    public static bool IsCleanText(string value)
    {
        if (value.Length == 0 || char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1]))
        {
            return false;
        }

        var span = value.AsSpan();
        while (!span.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(span, out var rune, out var consumed) != System.Buffers.OperationStatus.Done
                || Rune.IsControl(rune))
            {
                return false;
            }

            span = span[consumed..];
        }

        return true;
    }

    /// <summary>1..max characters of <c>A–Z a–z 0–9 - _</c>.</summary>
    public static bool IsIdentifier(string value, int maxLength)
    {
        if (value.Length == 0 || value.Length > maxLength)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_'))
            {
                return false;
            }
        }

        return true;
    }
}
