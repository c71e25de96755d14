namespace PolyglotAspire.Load;

/// <summary>One point of a latency distribution: the latency (ms) at a percentile (0–100).</summary>
internal readonly record struct PercentilePoint(double Percentile, double Ms);
