namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>
/// Flush thresholds, whichever comes first. <see cref="Linger"/> applies once the input is drained (group commit);
/// <see cref="MaxAge"/> also while more input is waiting (an upper bound on any row's wait in the batcher). Linger is
/// skipped while the freshness lag is at least <see cref="UrgentLag"/> (half the freshness target).
/// </summary>
internal readonly record struct BatchLimits(int MaxRows, long MaxBytes, TimeSpan Linger, TimeSpan MaxAge, TimeSpan UrgentLag);
