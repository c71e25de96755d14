using System.Globalization;

namespace PolyglotAspire.Load;

/// <summary>
/// A number shown with a format in the Markdown (<c>34 %</c>, <c>1.9×</c>, <c>+99.0 ms</c>) and stored as the bare
/// number in the JSON, so tools reading results never parse display text.
/// </summary>
internal readonly record struct FormattedNumber(double Value, string Format) : IFormattable
{
    public static FormattedNumber Percent(double ratio) => new(ratio, "0%");

    /// <summary>A factor, e.g. <c>1.9×</c>, with <paramref name="decimals"/> decimals.</summary>
    public static FormattedNumber Times(double ratio, int decimals = 2) => new(ratio, (decimals == 0 ? "0" : "0." + new string('0', decimals)) + "×");

    /// <summary>A signed difference in milliseconds, e.g. <c>+99.0 ms</c>.</summary>
    public static FormattedNumber DeltaMs(double ms) => new(ms, "+0.0' ms';-0.0' ms';0.0' ms'");

    public string ToString(string? format, IFormatProvider? formatProvider) => Value.ToString(Format, formatProvider ?? CultureInfo.InvariantCulture);

    public override string ToString() => ToString(null, CultureInfo.InvariantCulture);
}
