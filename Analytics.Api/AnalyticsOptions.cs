using System.ComponentModel.DataAnnotations;

namespace PolyglotAspire.Analytics;

/// <summary>Analytics.Api settings (section <c>Analytics</c>), validated at start.</summary>
public sealed class AnalyticsOptions
{
    public const string SectionName = "Analytics";

    /// <summary>
    /// How long a <c>session</c> read waits for ClickHouse to pass the caller's token before it is answered from
    /// PostgreSQL instead. A few heartbeat intervals (500 ms) plus a flush: the pipeline's normal delay fits.
    /// </summary>
    [Range(0, 60_000)]
    public int SessionWaitMs { get; set; } = 2_000;

    /// <summary>How old a watermark may be when a request reads it; also the poll period while waiting for a token.</summary>
    [Range(5, 5_000)]
    public int WatermarkMaxAgeMs { get; set; } = 25;

    /// <summary>Longest wait a caller may ask of <c>/freshness?token=…&amp;waitMs=…</c> (strong writes use it).</summary>
    [Range(0, 120_000)]
    public int MaxWaitMs { get; set; } = 30_000;

    /// <summary>Largest <c>limit</c> accepted by list endpoints.</summary>
    [Range(1, 100_000)]
    public int MaxLimit { get; set; } = 1_000;

    /// <summary>The dashboard turns its freshness indicator into a warning above this lag.</summary>
    [Range(0, 3_600_000)]
    public int LagWarningMs { get; set; } = 5_000;

    /// <summary>How often the dashboard page refreshes itself.</summary>
    [Range(1, 3_600)]
    public int DashboardRefreshSeconds { get; set; } = 5;
}
