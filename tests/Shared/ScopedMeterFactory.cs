using System.Diagnostics.Metrics;

namespace PolyglotAspire.Testing;

/// <summary>Creates meters whose <see cref="Meter.Scope"/> is this factory, so a test's listener can tell its own meters apart.</summary>
internal sealed class ScopedMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
        _meters.Add(meter);
        return meter;
    }

    public void Dispose() => _meters.ForEach(m => m.Dispose());
}
