using System.Diagnostics;
using System.Text.Json;

namespace PolyglotAspire.AppHost.Tests;

/// <summary>
/// Runs the command the README gives for Azure Container Apps (through azd) and checks what it writes:
/// containers, projects, parameters and connection strings only — never a local executable — and secrets as parameters.
/// </summary>
public sealed class PublishManifestTests
{
    private static readonly string[] AllowedTypes = ["container.v0", "container.v1", "project.v0", "project.v1", "parameter.v0", "value.v0", "annotated.string"];

    [Fact]
    public async Task The_manifest_holds_no_executable_and_keeps_secrets_as_parameters()
    {
        var ct = TestContext.Current.CancellationToken;
        var output = Path.Combine(Path.GetTempPath(), $"aspire-manifest-{Guid.NewGuid():N}.json");
        try
        {
            var appHost = Projects.AppHost.ProjectPath;
            using var process = Process.Start(new ProcessStartInfo("dotnet",
                ["run", "--project", appHost, "--no-build", "--no-launch-profile", "--", "--publisher", "manifest", "--output-path", output])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var log = process.StandardOutput.ReadToEndAsync(ct);
            var errors = process.StandardError.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct);
            Assert.True(process.ExitCode == 0, $"manifest publishing failed ({process.ExitCode}): {await log}{await errors}");

            using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(output, ct));
            var resources = manifest.RootElement.GetProperty("resources").EnumerateObject()
                .ToDictionary(r => r.Name, r => r.Value);

            Assert.All(resources, r => Assert.Contains(r.Value.GetProperty("type").GetString(), AllowedTypes));
            Assert.Equal("container.v0", resources["kafka"].GetProperty("type").GetString());
            Assert.Equal("container.v0", resources["clickhouse"].GetProperty("type").GetString());
            Assert.StartsWith("project.", resources["orders-api"].GetProperty("type").GetString(), StringComparison.Ordinal);

            foreach (var secret in new[] { "postgres-password", "clickhouse-admin-password", "clickhouse-writer-password", "clickhouse-reader-password" })
            {
                var input = resources[secret].GetProperty("inputs").GetProperty("value");
                Assert.True(input.GetProperty("secret").GetBoolean(), $"{secret} must be a secret parameter");
            }

            var env = resources["orders-api"].GetProperty("env");
            Assert.Equal("{ordersdb.connectionString}", env.GetProperty("ConnectionStrings__ordersdb").GetString());
        }
        finally
        {
            File.Delete(output);
        }
    }
}
