namespace PolyglotAspire.Load;

/// <summary>The facts every figure is listed with.</summary>
internal sealed record MachineFacts(int Cores, double MemoryGiB, string Os, string Runtime)
{
    public static MachineFacts Read()
    {
        var memKb = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return new MachineFacts(
            Environment.ProcessorCount,
            Math.Round(double.Parse(memKb, System.Globalization.CultureInfo.InvariantCulture) / 1024 / 1024, 1),
            System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription);
    }

    public override string ToString() => $"{Cores} cores, {MemoryGiB} GiB, {Os}, {Runtime}";
}
