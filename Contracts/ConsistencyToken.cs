using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace PolyglotAspire.Contracts;

/// <summary>
/// What every write returns and a read may present: a PostgreSQL WAL position (LSN) at or after the write's commit.
/// A read that presents it reflects that write and every write committed before it. Clients treat the text as
/// opaque; it is PostgreSQL's LSN form (<c>16/B374D848</c>), which keeps it readable in logs.
/// </summary>
public readonly record struct ConsistencyToken(ulong Lsn) : IComparable<ConsistencyToken>
{
    /// <summary>Longest valid text: two 8-digit hex halves and the slash.</summary>
    private const int MaxLength = 17;

    public int CompareTo(ConsistencyToken other) => Lsn.CompareTo(other.Lsn);

    public static bool operator <(ConsistencyToken left, ConsistencyToken right) => left.Lsn < right.Lsn;
    public static bool operator >(ConsistencyToken left, ConsistencyToken right) => left.Lsn > right.Lsn;
    public static bool operator <=(ConsistencyToken left, ConsistencyToken right) => left.Lsn <= right.Lsn;
    public static bool operator >=(ConsistencyToken left, ConsistencyToken right) => left.Lsn >= right.Lsn;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{(uint)(Lsn >> 32):X}/{(uint)Lsn:X}");

    /// <summary>Parses the text form; anything else (empty, too long, not hex, no slash) is not a token.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out ConsistencyToken token)
    {
        token = default;
        if (string.IsNullOrEmpty(text) || text.Length > MaxLength)
        {
            return false;
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash is < 1 or > 8 || text.Length - slash - 1 is < 1 or > 8
            || !uint.TryParse(text.AsSpan(0, slash), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var high)
            || !uint.TryParse(text.AsSpan(slash + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var low))
        {
            return false;
        }

        token = new ConsistencyToken(((ulong)high << 32) | low);
        return true;
    }
}
