using System.Diagnostics;
using System.Text.Json;

namespace PolyglotAspire.Load.Scenarios.Freshness;

/// <summary>
/// Analytics' own freshness figure over time: <c>lagMs</c> from <c>GET /api/analytics/freshness</c> (what every
/// analytics answer carries), sampled every <paramref name="interval"/> and summarized per second.
/// </summary>
internal sealed class LagSampler(HttpClient analytics, TimeSpan interval)
{
    private readonly List<(int Second, long LagMs)> _samples = [];

    public int Count => _samples.Count;

    /// <summary>Samples that failed or had no <c>lagMs</c> (nothing synchronised yet), with the last reason: a gap is reported, not hidden.</summary>
    public int Missed { get; private set; }

    public string? LastMiss { get; private set; }

    /// <summary>Samples until <paramref name="stop"/> is cancelled; second 0 is when this started.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        var clock = Stopwatch.StartNew();
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var response = await analytics.GetAsync(new Uri("/api/analytics/freshness", UriKind.Relative), stop);
                using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(stop), cancellationToken: stop);
                if (body.RootElement.TryGetProperty("lagMs", out var lag) && lag.ValueKind == JsonValueKind.Number)
                {
                    _samples.Add(((int)clock.Elapsed.TotalSeconds, lag.GetInt64()));
                }
                else
                {
                    Miss($"HTTP {(int)response.StatusCode}, lagMs {(body.RootElement.TryGetProperty("lagMs", out var v) ? v.ToString() : "absent")}");
                }

                await Task.Delay(interval, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpRequestException ex)
            {
                Miss(ex.Message); // a gap in its second; the next sample follows
            }
        }
    }

    private void Miss(string reason)
    {
        Missed++;
        LastMiss = reason;
    }

    /// <summary>Every sample's lag (ms), for percentiles over the whole phase.</summary>
    public IEnumerable<long> All => _samples.Select(s => s.LagMs);

    /// <summary>Per second of the phase: the largest lag sampled in it, and the median.</summary>
    public IReadOnlyList<(int Second, long Max, long Median)> PerSecond() =>
        [.. _samples.GroupBy(s => s.Second).OrderBy(g => g.Key).Select(g =>
        {
            var sorted = g.Select(s => s.LagMs).Order().ToArray();
            return (g.Key, sorted[^1], sorted[sorted.Length / 2]);
        })];

    /// <summary>A one-line chart of <paramref name="values"/> scaled to their maximum (▁ = 0).</summary>
    public static string Sparkline(IEnumerable<long> values)
    {
        const string bars = "▁▂▃▄▅▆▇█";
        var list = values.ToList();
        var max = Math.Max(1, list.DefaultIfEmpty(0).Max());
        return new string([.. list.Select(v => bars[(int)Math.Round((double)v / max * (bars.Length - 1))])]);
    }
}
