namespace PolyglotAspire.Load;

/// <summary>One line of a <see cref="LatencyPlot"/>: a named distribution of <see cref="Count"/> samples, with its p50, p99 and maximum (ms).</summary>
internal sealed record PlotSeries(string Name, long Count, double P50, double P99, double Max, IReadOnlyList<PercentilePoint> Points);
