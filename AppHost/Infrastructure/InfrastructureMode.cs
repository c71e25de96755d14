using System.Diagnostics;
using Microsoft.Extensions.Configuration;

namespace PolyglotAspire.AppHost.Infrastructure;

/// <summary>Where PostgreSQL, Kafka and ClickHouse come from. Only the AppHost knows; services get connection strings.</summary>
public enum InfrastructureMode
{
    /// <summary>Containers when a container runtime answers, else local executables.</summary>
    Auto,

    /// <summary>PostgreSQL, Kafka and ClickHouse containers (a laptop with Docker/Podman; what publishing uses unless external).</summary>
    Containers,

    /// <summary>Engines as local processes: PostgreSQL 15, Kafka 0.9 + ZooKeeper, ClickHouse 26.7's own server from chDB.</summary>
    Local,

    /// <summary>Connection strings to managed services or clusters, from configuration.</summary>
    External,
}

public static class InfrastructureModeResolver
{
    public const string ConfigurationKey = "Infrastructure:Mode";

    /// <summary>
    /// Publishing targets containers, or managed services when <c>external</c> is asked for (connection strings as
    /// secret parameters): a manifest never holds local executables.
    /// </summary>
    public static InfrastructureMode Resolve(IConfiguration configuration, DistributedApplicationExecutionContext context)
    {
        var configured = configuration[ConfigurationKey];
        if (context.IsPublishMode)
        {
            return string.Equals(configured, "external", StringComparison.OrdinalIgnoreCase)
                ? InfrastructureMode.External
                : InfrastructureMode.Containers;
        }

        if (!Enum.TryParse<InfrastructureMode>(configured ?? nameof(InfrastructureMode.Auto), ignoreCase: true, out var mode)
            || !Enum.IsDefined(mode))
        {
            throw new InvalidOperationException(
                $"'{ConfigurationKey}' is '{configured}'; expected one of: auto, containers, local, external.");
        }

        return mode == InfrastructureMode.Auto
            ? ContainerRuntimeAnswers() ? InfrastructureMode.Containers : InfrastructureMode.Local
            : mode;
    }

    /// <summary>True when `docker info` or `podman info` succeeds within a couple of seconds.</summary>
    private static bool ContainerRuntimeAnswers() => Answers("docker") || Answers("podman");

    private static bool Answers(string runtime)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(runtime, ["info", "--format", "{{.ServerVersion}}"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (process is null)
            {
                return false;
            }

            if (!process.WaitForExit(TimeSpan.FromSeconds(3)))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // not installed
        }
    }
}
