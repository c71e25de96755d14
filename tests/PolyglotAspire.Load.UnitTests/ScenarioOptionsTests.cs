using System.Diagnostics;
using System.Text.RegularExpressions;

namespace PolyglotAspire.Load.UnitTests;

public sealed partial class ScenarioOptionsTests
{
    private static readonly IScenario Write = new Scenarios.WriteScenario();

    [Theory]
    [InlineData("--bogus 1", "unknown option --bogus for scenario 'write'.")]
    [InlineData("--clients", "option --clients needs a value.")]
    [InlineData("--clients 4 --clients 8", "option --clients is given twice.")]
    [InlineData("clients 4", "'clients' is not an option (options are --key value).")]
    [InlineData("--clients 4 8", "'8' is not an option (options are --key value).")]
    public void A_wrong_command_line_is_refused_with_the_scenario_s_options(string args, string problem)
    {
        Assert.False(ScenarioOptions.TryParse(Write, args.Split(' '), out _, out var error));

        Assert.StartsWith(problem, error, StringComparison.Ordinal);
        Assert.EndsWith("Options of 'write': --clients, --pgbench-clients, --duration, --warmup, --rounds, --classic, --apphost-args.", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Declared_options_are_read_and_defaults_fill_the_rest()
    {
        Assert.True(ScenarioOptions.TryParse(Write, ["--duration", "5", "--rounds", "1", "--apphost-args", "SyncWorker:BatchMaxRows=10"], out var options, out var error));

        Assert.Null(error);
        Assert.Equal(TimeSpan.FromSeconds(5), options.GetSeconds("duration", 20));
        Assert.Equal(1, options.GetInt("rounds", 2));
        Assert.Equal(32, options.GetInt("clients", 32));
        Assert.Equal("SyncWorker:BatchMaxRows=10", options.Get("apphost-args"));
    }

    [Fact]
    public void Reading_an_undeclared_option_is_a_bug_caught_at_once()
    {
        Assert.True(ScenarioOptions.TryParse(Write, [], out var options, out _));
        Assert.Throws<InvalidOperationException>(() => options.Get("rate"));
    }

    /// <summary>Every option a scenario's code reads is declared, so none is refused by mistake (read from the sources).</summary>
    [Fact]
    public void Every_scenario_declares_the_options_its_code_reads()
    {
        var scenarios = typeof(IScenario).Assembly.GetTypes()
            .Where(t => typeof(IScenario).IsAssignableFrom(t) && t is { IsClass: true, IsAbstract: false })
            .Select(t => (IScenario)Activator.CreateInstance(t)!)
            .ToList();
        Assert.Equal(8, scenarios.Count);
        foreach (var scenario in scenarios)
        {
            var source = File.ReadAllText(Path.Combine(HarnessSources, "Scenarios", scenario.GetType().Name + ".cs"));
            var read = OptionRead().Matches(source).Select(m => m.Groups["key"].Value).ToHashSet();
            Assert.Subset(scenario.Options.Concat(ScenarioOptions.Common).ToHashSet(), read);
            Assert.Superset(scenario.Options.ToHashSet(), read); // and nothing is declared that nothing reads
        }
    }

    [Fact]
    public async Task The_harness_exits_2_on_an_unknown_option_before_starting_anything()
    {
        var harness = Path.Combine(AppContext.BaseDirectory, "PolyglotAspire.Load.dll");
        var start = new ProcessStartInfo("dotnet", [harness, "write", "--durations", "5"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        // Should the check ever let the option through, the app must not start a 2-minute run: no engines here.
        start.Environment["Infrastructure__EnginesPath"] = Path.Combine(Path.GetTempPath(), "no-engines-here");
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        _ = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("unknown option --durations for scenario 'write'", await error, StringComparison.Ordinal);
        Assert.Contains("--duration,", await error, StringComparison.Ordinal);
    }

    private static string HarnessSources { get; } = Path.GetFullPath(Path.Combine(
        Path.GetDirectoryName(typeof(ScenarioOptionsTests).Assembly.Location)!, "../../../../../perf/PolyglotAspire.Load"));

    [GeneratedRegex(@"options\.Get(?:Int|Seconds)?\(""(?<key>[a-z-]+)""")]
    private static partial Regex OptionRead();
}
