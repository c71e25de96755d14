using System.Diagnostics;

namespace PolyglotAspire.IntegrationTests.Security;

/// <summary>Runs <c>eng/dev-token.sh</c> as a person does; its last line of output is the token.</summary>
internal static class DevTokenScript
{
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(IReadOnlyDictionary<string, string?> environment, params string[] scopes)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(RepositoryRoot(), "eng", "dev-token.sh"), .. scopes])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment.Remove("POLYGLOT_SIGNING_KEY");
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var cancellationToken = TestContext.Current.CancellationToken;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await output, await error);
    }

    /// <summary>The token the script printed (its last line), after checking it succeeded.</summary>
    public static async Task<string> TokenAsync(IReadOnlyDictionary<string, string?> environment, params string[] scopes)
    {
        var (exitCode, output, error) = await RunAsync(environment, scopes);
        Assert.True(exitCode == 0, $"dev-token.sh exited with {exitCode}: {error}");
        return output.TrimEnd().Split('\n')[^1];
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "PolyglotAspire.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("PolyglotAspire.sln not found above " + AppContext.BaseDirectory);
    }
}
