using System.Diagnostics;
using HdrHistogram;

namespace PolyglotAspire.Load;

/// <summary>A latency distribution (HdrHistogram, microsecond resolution, 3 significant digits, up to 10 min); safe to record from many threads.</summary>
internal sealed class Latency
{
    private readonly LongConcurrentHistogram _histogram = new(1, (long)TimeSpan.FromMinutes(10).TotalMicroseconds, 3);

    public long Count => _histogram.TotalCount;

    public void Record(TimeSpan elapsed) => RecordMicroseconds((long)elapsed.TotalMicroseconds);

    /// <summary>Records the time between two <see cref="Stopwatch"/> timestamps.</summary>
    public void Record(long startTimestamp, long endTimestamp) => Record(Stopwatch.GetElapsedTime(startTimestamp, endTimestamp));

    public void RecordMicroseconds(long microseconds) =>
        _histogram.RecordValue(Math.Clamp(microseconds, 1, _histogram.HighestTrackableValue));

    /// <summary>Runs <paramref name="action"/> and records how long it took.</summary>
    public async Task<T> TimeAsync<T>(Func<Task<T>> action)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await action();
        Record(Stopwatch.GetElapsedTime(started));
        return result;
    }

    /// <summary>The latency at <paramref name="percentile"/> (0–100), in milliseconds; NaN when nothing was recorded.</summary>
    public double Ms(double percentile) => Count == 0 ? double.NaN : _histogram.GetValueAtPercentile(percentile) / 1000.0;

    /// <summary>
    /// The distribution for a plot: the latency at 0, 90, 99, 99.9 … % (ten steps per nine) up to the last nine the
    /// sample count can tell apart (5 at most), then the maximum (at 100 %). Empty when nothing was recorded.
    /// </summary>
    public IReadOnlyList<PercentilePoint> Distribution()
    {
        if (Count == 0)
        {
            return [];
        }

        var nines = Math.Clamp((int)Math.Ceiling(Math.Log10(Count)), 1, 5);
        var points = new List<PercentilePoint>(nines * 10 + 2);
        for (var step = 0; step <= nines * 10; step++)
        {
            var percentile = 100 * (1 - Math.Pow(10, -step / 10.0));
            points.Add(new PercentilePoint(percentile, Ms(percentile)));
        }

        points.Add(new PercentilePoint(100, MaxMs));
        return points;
    }

    /// <summary>The largest latency recorded, in milliseconds; NaN when nothing was recorded.</summary>
    public double MaxMs => Count == 0 ? double.NaN : _histogram.GetMaxValue() / 1000.0;
}
