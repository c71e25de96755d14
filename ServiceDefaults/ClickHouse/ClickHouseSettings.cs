namespace Microsoft.Extensions.Hosting;

/// <summary>How a service's ClickHouse registration behaves (the shape of an Aspire client integration's settings).</summary>
public sealed class ClickHouseSettings
{
    /// <summary>From <c>ConnectionStrings:&lt;connectionName&gt;</c> unless set in code.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>No <c>/ping</c> readiness check (e.g. the worker, whose pipeline health already covers ClickHouse).</summary>
    public bool DisableHealthChecks { get; set; }

    /// <summary>No spans from ClickHouse.Driver's activity source.</summary>
    public bool DisableTracing { get; set; }
}
