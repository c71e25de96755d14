namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>Flush thresholds: whichever comes first.</summary>
internal readonly record struct BatchLimits(int MaxRows, long MaxBytes, TimeSpan MaxAge);
