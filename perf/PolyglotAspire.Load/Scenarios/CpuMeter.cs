using System.Diagnostics;

namespace PolyglotAspire.Load.Scenarios;

/// <summary>CPU used by some of the app's resources (each process tree) from this meter's creation on: one per phase.</summary>
internal sealed class CpuMeter
{
    private readonly Dictionary<string, (int Pid, TimeSpan Start)> _start;
    private readonly long _started = Stopwatch.GetTimestamp();

    public CpuMeter(LocalApp app, IEnumerable<string> resources) =>
        _start = resources.ToDictionary(r => r, r =>
        {
            var pid = app.ProcessId(r);
            return (pid, ProcessCpu.OfTree(pid));
        });

    /// <summary>Resource → CPU seconds it used since this meter was created.</summary>
    public Dictionary<string, double> Seconds() =>
        _start.ToDictionary(r => r.Key, r => (ProcessCpu.OfTree(r.Value.Pid) - r.Value.Start).TotalSeconds);

    /// <summary>Resource → CPU seconds it used per wall-clock second since this meter was created.</summary>
    public Dictionary<string, double> PerWallSecond()
    {
        var wall = Stopwatch.GetElapsedTime(_started).TotalSeconds;
        return Seconds().ToDictionary(r => r.Key, r => r.Value / wall);
    }
}
