namespace PolyglotAspire.Load.Scenarios.Freshness;

/// <summary>
/// Wall-clock instants as unix microseconds: the clock PostgreSQL stamps commits with (same machine), so a commit
/// time read from PostgreSQL and a visibility time taken here can be subtracted.
/// </summary>
internal static class UnixMicroseconds
{
    public static long Now => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond;
}
