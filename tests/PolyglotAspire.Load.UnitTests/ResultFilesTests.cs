using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;

namespace PolyglotAspire.Load.UnitTests;

public sealed class ResultFilesTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"load-results-{Guid.NewGuid():N}");

    [Fact]
    public void The_JSON_stores_numbers_as_numbers_and_text_as_text()
    {
        var result = new ScenarioResult("write", "cmd");
        result.AddTable("t", "a", "b", "c", "d", "e", "f", "g")
            .Row(3, 2944.0, 1.23456, FormattedNumber.Percent(0.34), double.NaN, null, "3 of 4");

        using var json = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(result.Write(_directory), ".json")));
        var row = json.RootElement.GetProperty("Tables")[0].GetProperty("Rows")[0];

        Assert.Equal(3, row[0].GetInt32());
        Assert.Equal(2944.0, row[1].GetDouble());
        Assert.Equal(1.23456, row[2].GetDouble());
        Assert.Equal(0.34, row[3].GetDouble()); // shown as 34%, stored as the ratio
        Assert.Equal(JsonValueKind.Null, row[4].ValueKind); // not measured
        Assert.Equal(JsonValueKind.Null, row[5].ValueKind);
        Assert.Equal("3 of 4", row[6].GetString());
    }

    [Fact]
    public void The_Markdown_shows_cells_as_before_and_nothing_measured_as_a_dash()
    {
        var table = new ResultTable("t", ["a", "b", "c", "d", "e"])
            .Row(1.23456, FormattedNumber.Percent(0.34), FormattedNumber.Times(1.94), FormattedNumber.DeltaMs(99.04), null);

        Assert.Contains("| 1.235 | 34% | 1.94× | +99.0 ms | - |", table.ToMarkdown(), StringComparison.Ordinal);
    }

    [Fact]
    public void Each_plot_is_an_SVG_beside_the_result_linked_from_its_Markdown_with_its_points_in_the_JSON()
    {
        var result = new ScenarioResult("freshness", "cmd");
        var fast = Samples(1000, i => 10 + i % 50);
        var slow = Samples(1000, i => 100 + i % 900);
        result.AddPlot("visible", "Freshness: commit → visible").Add("500/s", fast).Add("2000/s", slow).Add("empty", new Latency());
        result.AddPlot("nothing", "A phase that measured nothing").Add("empty", new Latency());

        var markdown = File.ReadAllText(result.Write(_directory));

        var svg = $"{result.FileStem}-visible.svg";
        Assert.Contains($"![Freshness: commit → visible]({svg})", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("nothing", markdown, StringComparison.Ordinal);
        Assert.Equal([$"{result.FileStem}-visible.svg"], Directory.GetFiles(_directory, "*.svg").Select(Path.GetFileName));

        var document = XDocument.Load(Path.Combine(_directory, svg)); // well-formed
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(2, document.Descendants(ns + "polyline").Count()); // the empty series is left out
        var legend = string.Join("\n", document.Descendants(ns + "text").Select(t => t.Value));
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"500/s (n=1,000; p50 {fast.Ms(50):0.#}, p99 {fast.Ms(99):0.#}, max 59 ms)"), legend, StringComparison.Ordinal);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"max {slow.MaxMs:0.#} ms"), legend, StringComparison.Ordinal);
        Assert.Contains("99.9%", legend, StringComparison.Ordinal); // 1,000 samples tell three nines apart

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_directory, result.FileStem + ".json")));
        var series = json.RootElement.GetProperty("Plots")[0].GetProperty("Series");
        Assert.Equal(2, series.GetArrayLength());
        var points = series[1].GetProperty("Points").EnumerateArray().ToList();
        Assert.Equal(0, points[0].GetProperty("Percentile").GetDouble());
        Assert.Equal(100, points[^1].GetProperty("Percentile").GetDouble());
        Assert.Equal(999, points[^1].GetProperty("Ms").GetDouble(), 0);
    }

    [Fact]
    public void Points_rise_with_the_percentile_up_to_the_maximum()
    {
        var latency = Samples(100_000, i => i % 1000);

        var points = latency.Distribution();

        Assert.Equal(5 * 10 + 2, points.Count); // 0 … 99.999 % in tenths of a nine, then the maximum
        Assert.True(points.Zip(points.Skip(1)).All(p => p.First.Ms <= p.Second.Ms && p.First.Percentile < p.Second.Percentile));
        Assert.Equal(latency.MaxMs, points[^1].Ms);
    }

    [Theory]
    [InlineData(0.7, 1)]
    [InlineData(1, 1)]
    [InlineData(1.3, 2)]
    [InlineData(230, 500)]
    [InlineData(1284, 2000)]
    public void The_latency_axis_ends_on_a_round_number(double max, double axis) =>
        Assert.Equal(axis, SvgPlot.NiceCeiling(max), 9);

    [Fact]
    public void The_perf_README_links_a_result_s_plots_through_the_results_folder()
    {
        var md = ReadmeReport.Demoted(["## x", "![Freshness](freshness-20261125-140145-visible.svg)", "[write](write-1.md)"]).ToString();

        Assert.Contains("![Freshness](results/freshness-20261125-140145-visible.svg)", md, StringComparison.Ordinal);
        Assert.Contains("[write](write-1.md)", md, StringComparison.Ordinal);
        Assert.Contains("### x", md, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static Latency Samples(int count, Func<int, int> ms)
    {
        var latency = new Latency();
        for (var i = 0; i < count; i++)
        {
            latency.Record(TimeSpan.FromMilliseconds(ms(i)));
        }

        return latency;
    }
}
