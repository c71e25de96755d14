using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace PolyglotAspire.Load;

/// <summary>
/// One table of a result. Cells keep their values: the Markdown formats them, the JSON stores numbers as numbers
/// (a <see cref="FormattedNumber"/> as its value; NaN, infinities and "not measured" as null) and text as text.
/// </summary>
internal sealed class ResultTable(string title, string[] columns)
{
    public string Title { get; } = title;
    public string[] Columns { get; } = columns;

    [JsonIgnore]
    public List<object?[]> Cells { get; } = [];

    /// <summary>The rows as the JSON stores them.</summary>
    public IEnumerable<JsonNode?[]> Rows => Cells.Select(row => row.Select(Json).ToArray());

    /// <summary>Adds a row; <c>null</c> is a cell with nothing measured (Markdown <c>-</c>).</summary>
    public ResultTable Row(params object?[] cells)
    {
        Cells.Add(cells);
        return this;
    }

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"### {Title}");
        md.AppendLine();
        md.AppendLine("| " + string.Join(" | ", Columns) + " |");
        md.AppendLine("|" + string.Concat(Columns.Select(_ => "---|")));
        foreach (var row in Cells)
        {
            md.AppendLine("| " + string.Join(" | ", row.Select(Text)) + " |");
        }

        return md.ToString();
    }

    private static string Text(object? cell) => cell switch
    {
        null => "-",
        double d => d.ToString("0.###", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => cell.ToString() ?? "",
    };

    private static JsonNode? Json(object? cell) => cell switch
    {
        null => null,
        double d => double.IsFinite(d) ? JsonValue.Create(d) : null,
        float f => float.IsFinite(f) ? JsonValue.Create(f) : null,
        FormattedNumber n => double.IsFinite(n.Value) ? JsonValue.Create(n.Value) : null,
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        decimal m => JsonValue.Create(m),
        string s => JsonValue.Create(s),
        IFormattable f => JsonValue.Create(f.ToString(null, CultureInfo.InvariantCulture)),
        _ => JsonValue.Create(cell.ToString()),
    };
}
