using System.Diagnostics;
using System.Text.Json;

namespace PolyglotAspire.AppHost.Tests;

/// <summary>
/// The manifest written by the command azd runs over the AppHost (<c>dotnet run --project AppHost -- --publisher
/// manifest</c>), generated once per test class.
/// </summary>
public class PublishedManifest : IAsyncLifetime
{
    private readonly string _output = Path.Combine(Path.GetTempPath(), $"aspire-manifest-{Guid.NewGuid():N}.json");
    private JsonDocument? _document;

    /// <summary>The AppHost project's folder; manifest paths are relative to the manifest's.</summary>
    public static string AppHostDirectory => Projects.AppHost.ProjectPath;

    public IReadOnlyDictionary<string, JsonElement> Resources { get; private set; } = new Dictionary<string, JsonElement>();

    /// <summary>The manifest as text, to check what it must not contain.</summary>
    public string Text { get; private set; } = "";

    /// <summary>AppHost configuration for the publish, as <c>key=value</c> arguments.</summary>
    protected virtual string[] Configuration => [];

    /// <summary>A path the manifest holds, made absolute.</summary>
    public string FullPath(string manifestPath) => Path.GetFullPath(manifestPath, Path.GetDirectoryName(_output)!);

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        using var process = Process.Start(new ProcessStartInfo("dotnet",
            ["run", "--project", Projects.AppHost.ProjectPath, "--no-build", "--no-launch-profile", "--", "--publisher", "manifest", "--output-path", _output, .. Configuration])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var log = process.StandardOutput.ReadToEndAsync(ct);
        var errors = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        Assert.True(process.ExitCode == 0, $"manifest publishing failed ({process.ExitCode}): {await log}{await errors}");

        Text = await File.ReadAllTextAsync(_output, ct);
        _document = JsonDocument.Parse(Text);
        Resources = _document.RootElement.GetProperty("resources").EnumerateObject().ToDictionary(r => r.Name, r => r.Value);
    }

    public ValueTask DisposeAsync()
    {
        _document?.Dispose();
        File.Delete(_output);
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}
