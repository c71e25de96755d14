namespace PolyglotAspire.IntegrationTests.Pipeline;

/// <summary>A stretch of a real source's WAL, already written: [<see cref="First"/>, <see cref="Last"/>], and whose it is.</summary>
public sealed record WalRange(ulong SystemId, uint Timeline, ulong First, ulong Last)
{
    /// <summary><paramref name="lsn"/> + <paramref name="step"/>; a workload too large for its range is a test bug, said loudly.</summary>
    public ulong Next(ulong lsn, ulong step) =>
        lsn + step <= Last ? lsn + step : throw new InvalidOperationException($"The workload outgrew its WAL range ({First}..{Last}): reserve more.");
}
