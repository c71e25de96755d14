using System.Diagnostics.Metrics;

namespace PolyglotAspire.Testing;

/// <summary>
/// What a telemetry class publishes, seen through meters scoped to one test (<see cref="ScopedMeterFactory"/>), so
/// instruments of instances other tests create in parallel are never counted.
/// </summary>
internal static class InstrumentInventory
{
    /// <summary>The instruments <paramref name="create"/> publishes: name, unit and kind (Counter, Histogram, ObservableGauge…), by name.</summary>
    public static List<(string Name, string? Unit, string Kind)> Of(Func<IMeterFactory, IDisposable> create)
    {
        using var factory = new ScopedMeterFactory();
        var instruments = new List<(string Name, string? Unit, string Kind)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Scope == factory)
                {
                    instruments.Add((instrument.Name, instrument.Unit, instrument.GetType().Name.Split('`')[0]));
                }
            },
        };
        listener.Start();
        using var telemetry = create(factory);
        return [.. instruments.OrderBy(i => i.Name, StringComparer.Ordinal)];
    }

    /// <summary>The values observable instrument <paramref name="instrument"/> reports after <paramref name="act"/> ran on what <paramref name="create"/> made.</summary>
    public static List<double> Observe<T>(string instrument, Func<IMeterFactory, T> create, Action<T> act) where T : IDisposable
    {
        using var factory = new ScopedMeterFactory();
        var values = new List<double>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (published, l) =>
            {
                if (published.Meter.Scope == factory && published.Name == instrument)
                {
                    l.EnableMeasurementEvents(published);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) => values.Add(value));
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => values.Add(value));
        listener.Start();
        using var telemetry = create(factory);
        act(telemetry);
        listener.RecordObservableInstruments();
        return values;
    }
}
