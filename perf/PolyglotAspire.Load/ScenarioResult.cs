using System.Globalization;
using System.Text;
using System.Text.Json;

namespace PolyglotAspire.Load;

/// <summary>What a scenario measured: tables of rows (name → value), latency plots, and notes that explain them.</summary>
internal sealed class ScenarioResult(string scenario, string command)
{
    public string Scenario { get; } = scenario;
    public string Command { get; } = command;
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;
    public TimeSpan Duration { get; set; }
    public List<ResultTable> Tables { get; } = [];
    public List<LatencyPlot> Plots { get; } = [];
    public List<string> Notes { get; } = [];
    public MachineFacts Machine { get; } = MachineFacts.Read();

    /// <summary>The result's file names without extension: <c>&lt;scenario&gt;-&lt;utc timestamp&gt;</c>.</summary>
    public string FileStem => $"{Scenario}-{StartedAt:yyyyMMdd-HHmmss}";

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

    /// <summary>A plot of latency distributions, written as <c>&lt;result&gt;-<paramref name="name"/>.svg</c>.</summary>
    public LatencyPlot AddPlot(string name, string title)
    {
        var plot = new LatencyPlot(name, title);
        Plots.Add(plot);
        return plot;
    }

    /// <summary>
    /// Writes <c>perf/results/&lt;scenario&gt;-&lt;utc timestamp&gt;.md</c>, <c>.json</c> and one <c>-&lt;plot&gt;.svg</c> per
    /// plot; returns the Markdown path.
    /// </summary>
    public string Write(string resultsDirectory)
    {
        Directory.CreateDirectory(resultsDirectory);
        var stem = Path.Combine(resultsDirectory, FileStem);
        File.WriteAllText(stem + ".json", JsonSerializer.Serialize(this, JsonOptions));
        foreach (var plot in DrawnPlots)
        {
            File.WriteAllText(PlotFile(stem, plot), SvgPlot.Render(plot));
        }

        File.WriteAllText(stem + ".md", ToMarkdown());
        return stem + ".md";
    }

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"## {Scenario} — {StartedAt:yyyy-MM-dd HH:mm} UTC");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"`{Command}` · {Duration.TotalSeconds:F0} s · {Machine}");
        foreach (var table in Tables)
        {
            md.AppendLine();
            md.Append(table.ToMarkdown());
        }

        foreach (var plot in DrawnPlots)
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"![{plot.Title}]({PlotFile(FileStem, plot)})");
        }

        if (Notes.Count > 0)
        {
            md.AppendLine();
            foreach (var note in Notes)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- {note}");
            }
        }

        return md.ToString();
    }

    /// <summary>Plots with at least one line: a phase that measured nothing draws nothing.</summary>
    private IEnumerable<LatencyPlot> DrawnPlots => Plots.Where(p => p.Series.Count > 0);

    private static string PlotFile(string stem, LatencyPlot plot) => $"{stem}-{plot.Name}.svg";

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };
}
