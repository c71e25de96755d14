using System.Globalization;

namespace PolyglotAspire.Load.Scenarios;

/// <summary>CPU time (user + system) of a process and all its descendants, living or reaped, from /proc: how much of the 2 cores each part used.</summary>
internal static class ProcessCpu
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    public static TimeSpan OfTree(int root)
    {
        var children = new Dictionary<int, List<int>>();
        var cpu = new Dictionary<int, double>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
                // Own user + system time, plus that of its children it has reaped (cutime, cstime): a backend that exits
                // mid-measurement keeps counting, in its parent's, instead of vanishing from the tree's sum.
                cpu[pid] = fields[11..15].Sum(f => double.Parse(f, CultureInfo.InvariantCulture)) / TicksPerSecond;
                if (!children.TryGetValue(parent, out var list))
                {
                    children[parent] = list = [];
                }

                list.Add(pid);
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
        }

        var total = 0.0;
        var pending = new Stack<int>([root]);
        while (pending.TryPop(out var pid))
        {
            total += cpu.GetValueOrDefault(pid);
            foreach (var child in children.GetValueOrDefault(pid) ?? [])
            {
                pending.Push(child);
            }
        }

        return TimeSpan.FromSeconds(total);
    }
}
