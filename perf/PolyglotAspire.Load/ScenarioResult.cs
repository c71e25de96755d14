using System.Text;
using System.Text.Json;

namespace PolyglotAspire.Load;

/// <summary>What a scenario measured: tables of rows (name → value), plus notes that explain them.</summary>
internal sealed class ScenarioResult(string scenario, string command)
{
    public string Scenario { get; } = scenario;
    public string Command { get; } = command;
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;
    public TimeSpan Duration { get; set; }
    public List<ResultTable> Tables { get; } = [];
    public List<string> Notes { get; } = [];
    public MachineFacts Machine { get; } = MachineFacts.Read();

    /// <summary>Notes the machine's load average now: this 2-core machine is shared, and a busy start or end explains a noisy figure.</summary>
    public void NoteLoadAverage(string when, string remark = "") =>
        Notes.Add($"load average at {when}: {File.ReadAllText("/proc/loadavg").Trim()}{remark}");

    /// <summary><c>perf/results/</c>, found from the harness's build output (<c>perf/PolyglotAspire.Load/bin/&lt;config&gt;/&lt;tfm&gt;/</c>).</summary>
    public static string ResultsDirectory { get; } = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../results"));

    public ResultTable AddTable(string title, params string[] columns)
    {
        var table = new ResultTable(title, columns);
        Tables.Add(table);
        return table;
    }

    /// <summary>Writes <c>perf/results/&lt;scenario&gt;-&lt;utc timestamp&gt;.md</c> and <c>.json</c>; returns the Markdown path.</summary>
    public string Write(string resultsDirectory)
    {
        Directory.CreateDirectory(resultsDirectory);
        var stem = Path.Combine(resultsDirectory, $"{Scenario}-{StartedAt:yyyyMMdd-HHmmss}");
        File.WriteAllText(stem + ".json", JsonSerializer.Serialize(this, JsonOptions));
        File.WriteAllText(stem + ".md", ToMarkdown());
        return stem + ".md";
    }

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"## {Scenario} — {StartedAt:yyyy-MM-dd HH:mm} UTC");
        md.AppendLine();
        md.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"`{Command}` · {Duration.TotalSeconds:F0} s · {Machine}");
        foreach (var table in Tables)
        {
            md.AppendLine();
            md.Append(table.ToMarkdown());
        }

        if (Notes.Count > 0)
        {
            md.AppendLine();
            foreach (var note in Notes)
            {
                md.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"- {note}");
            }
        }

        return md.ToString();
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };
}

internal sealed class ResultTable(string title, string[] columns)
{
    public string Title { get; } = title;
    public string[] Columns { get; } = columns;
    public List<string[]> Rows { get; } = [];

    public ResultTable Row(params object[] cells)
    {
        Rows.Add(cells.Select(c => c switch
        {
            double d => d.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
            _ => c.ToString() ?? "",
        }).ToArray());
        return this;
    }

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"### {Title}");
        md.AppendLine();
        md.AppendLine("| " + string.Join(" | ", Columns) + " |");
        md.AppendLine("|" + string.Concat(Columns.Select(_ => "---|")));
        foreach (var row in Rows)
        {
            md.AppendLine("| " + string.Join(" | ", row) + " |");
        }

        return md.ToString();
    }
}

/// <summary>The facts every figure is listed with.</summary>
internal sealed record MachineFacts(int Cores, double MemoryGiB, string Os, string Runtime)
{
    public static MachineFacts Read()
    {
        var memKb = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return new MachineFacts(
            Environment.ProcessorCount,
            Math.Round(double.Parse(memKb, System.Globalization.CultureInfo.InvariantCulture) / 1024 / 1024, 1),
            System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription);
    }

    public override string ToString() => $"{Cores} cores, {MemoryGiB} GiB, {Os}, {Runtime}";
}
