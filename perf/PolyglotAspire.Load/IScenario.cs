namespace PolyglotAspire.Load;

/// <summary>One measurement: runs against the app (and its peers) and returns what it measured.</summary>
internal interface IScenario
{
    /// <summary>The command-line name, e.g. <c>write</c>.</summary>
    string Name { get; }

    /// <summary>One line: what is measured, beside what.</summary>
    string Description { get; }

    /// <summary>
    /// The <c>--key value</c> options it reads (without <c>--</c>); anything else on its command line is refused before
    /// the app starts, so a mistyped option never silently runs the defaults.
    /// </summary>
    IReadOnlyList<string> Options { get; }

    Task<ScenarioResult> RunAsync(LocalApp app, ScenarioOptions options, CancellationToken cancellationToken);
}
