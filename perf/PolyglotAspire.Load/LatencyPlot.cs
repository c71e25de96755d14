namespace PolyglotAspire.Load;

/// <summary>
/// Latency distributions drawn together (<see cref="SvgPlot"/>), written beside the result as
/// <c>&lt;result&gt;-&lt;<see cref="Name"/>&gt;.svg</c> and linked from its Markdown; the JSON keeps the points.
/// </summary>
internal sealed class LatencyPlot(string name, string title)
{
    /// <summary>The file name's suffix, e.g. <c>latency</c>.</summary>
    public string Name { get; } = name;

    public string Title { get; } = title;

    public List<PlotSeries> Series { get; } = [];

    /// <summary>Adds <paramref name="latency"/>'s distribution as a line; one that recorded nothing is left out.</summary>
    public LatencyPlot Add(string series, Latency latency)
    {
        if (latency.Count > 0)
        {
            Series.Add(new PlotSeries(series, latency.Count, latency.Ms(50), latency.Ms(99), latency.MaxMs, latency.Distribution()));
        }

        return this;
    }
}
