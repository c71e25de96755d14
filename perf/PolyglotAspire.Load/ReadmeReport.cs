using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace PolyglotAspire.Load;

/// <summary>
/// Regenerates the results section of <c>perf/README.md</c> (between <see cref="Begin"/> and <see cref="End"/>) from what is
/// on disk: the newest <c>perf/results/&lt;scenario&gt;-&lt;time&gt;.md</c> of each registered scenario, each
/// after its fixed paragraph (<c>perf/about/&lt;scenario&gt;.md</c>: what the peers are, why the comparison is
/// fair), then the micro-benchmarks' latest BenchmarkDotNet reports. Measures nothing itself.
/// </summary>
internal static partial class ReadmeReport
{
    public const string Begin = "<!-- perf:begin -->";
    public const string End = "<!-- perf:end -->";

    /// <summary>Where <c>perf/run-all.sh</c> has BenchmarkDotNet put its artifacts, under the results folder.</summary>
    public const string BenchmarksFolder = "benchmarks";

    private const string Command = "dotnet run -c Release --project perf/PolyglotAspire.Load -- report";

    /// <summary>Rewrites the section of <c>perf/README.md</c> (the top-level README links to it); returns its path.</summary>
    public static string Write(string resultsDirectory, IEnumerable<IScenario> scenarios)
    {
        var perf = Path.GetDirectoryName(resultsDirectory)!;
        var readme = Path.Combine(perf, "README.md");
        var section = Section(resultsDirectory, Path.Combine(perf, "about"), scenarios);
        var text = File.ReadAllText(readme);
        var begin = text.IndexOf(Begin, StringComparison.Ordinal);
        var end = text.IndexOf(End, StringComparison.Ordinal);
        text = begin >= 0 && end > begin
            ? text[..(begin + Begin.Length)] + "\n" + section + text[end..]
            : text.TrimEnd() + $"\n\n## Results\n\n{Begin}\n{section}{End}\n";
        File.WriteAllText(readme, text);
        return readme;
    }

    private static string Section(string resultsDirectory, string aboutDirectory, IEnumerable<IScenario> scenarios)
    {
        var latest = scenarios.Select(s => (Scenario: s, Result: Latest(resultsDirectory, s.Name))).ToList();
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"_Generated {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC from the newest result of each scenario in `perf/results/` by `{Command}` (`perf/run-all.sh` measures everything, then runs it). This machine has 2 cores shared with other work: compare ratios within a run, not absolute numbers across runs._");
        md.AppendLine();
        md.AppendLine("| scenario | what it measures | measured | result |");
        md.AppendLine("|---|---|---|---|");
        foreach (var (scenario, result) in latest)
        {
            md.AppendLine(result is null
                ? $"| `{scenario.Name}` | {scenario.Description} | not yet | run `perf/run-all.sh {scenario.Name}` |"
                : $"| `{scenario.Name}` | {scenario.Description} | {result.Value.At:yyyy-MM-dd HH:mm} UTC | [{Path.GetFileName(result.Value.Path)}](results/{Path.GetFileName(result.Value.Path)}) |");
        }

        foreach (var (scenario, result) in latest.Where(l => l.Result is not null))
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"### {scenario.Name} — {result!.Value.At:yyyy-MM-dd HH:mm} UTC");
            AppendAbout(md, aboutDirectory, scenario.Name);
            md.AppendLine();
            md.Append(Demoted(File.ReadLines(result.Value.Path).Skip(1).SkipWhile(string.IsNullOrWhiteSpace))); // its title: the heading above says it
        }

        AppendBenchmarks(md, Path.Combine(resultsDirectory, BenchmarksFolder, "results"), aboutDirectory);
        return md.ToString();
    }

    /// <summary>The newest result file of a scenario (names are <c>&lt;scenario&gt;-yyyyMMdd-HHmmss.md</c>, UTC).</summary>
    private static (string Path, DateTime At)? Latest(string resultsDirectory, string scenario) =>
        Directory.Exists(resultsDirectory)
            ? Directory.EnumerateFiles(resultsDirectory, scenario + "-*.md")
                .Select(path => (Path: path, Match: ResultName().Match(System.IO.Path.GetFileName(path))))
                .Where(f => f.Match.Success && f.Match.Groups["scenario"].Value == scenario)
                .Select(f => ((string Path, DateTime At)?)(f.Path, DateTime.ParseExact(f.Match.Groups["time"].Value, "yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)))
                .MaxBy(f => f!.Value.At)
            : null;

    private static void AppendAbout(StringBuilder md, string aboutDirectory, string name)
    {
        var about = Path.Combine(aboutDirectory, name + ".md");
        if (File.Exists(about))
        {
            md.AppendLine();
            md.AppendLine(File.ReadAllText(about).Trim());
        }
    }

    /// <summary>BenchmarkDotNet's GitHub-flavoured reports, one per benchmark class, as <c>perf/run-all.sh</c> left them.</summary>
    private static void AppendBenchmarks(StringBuilder md, string reportsDirectory, string aboutDirectory)
    {
        var reports = Directory.Exists(reportsDirectory)
            ? Directory.EnumerateFiles(reportsDirectory, "*-report-github.md").Order(StringComparer.Ordinal).ToList()
            : [];
        if (reports.Count == 0)
        {
            return;
        }

        md.AppendLine();
        md.AppendLine("### Micro-benchmarks");
        AppendAbout(md, aboutDirectory, "benchmarks");
        foreach (var report in reports)
        {
            var name = Path.GetFileName(report).Replace("-report-github.md", "", StringComparison.Ordinal).Split('.')[^1];
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"#### {name} — {File.GetLastWriteTimeUtc(report):yyyy-MM-dd HH:mm} UTC");
            md.AppendLine();
            md.Append(Demoted(File.ReadLines(report)).ToString().Trim());
            md.AppendLine();
        }
    }

    /// <summary>
    /// Markdown headings one level down, so a result's sections sit under its scenario's heading; its plots, linked
    /// beside it in <c>results/</c>, linked from <c>perf/README.md</c> through that folder.
    /// </summary>
    internal static StringBuilder Demoted(IEnumerable<string> lines)
    {
        var md = new StringBuilder();
        foreach (var line in lines)
        {
            md.AppendLine(line.StartsWith('#') ? "#" + line : PlotLink().Replace(line, "](results/${file})"));
        }

        return md;
    }

    [GeneratedRegex(@"\]\((?<file>[^/():]+\.svg)\)")]
    private static partial Regex PlotLink();

    [GeneratedRegex(@"^(?<scenario>.+)-(?<time>\d{8}-\d{6})\.md$")]
    private static partial Regex ResultName();
}
