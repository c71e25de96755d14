using PolyglotAspire.Contracts;

namespace PolyglotAspire.Analytics.Freshness;

/// <summary>
/// The PostgreSQL Analytics.Api checks watermarks against (the one it falls back to): its <c>system_identifier</c>, its
/// current timeline and how far its WAL has come (<c>pg_current_wal_lsn()</c>, read after the watermarks).
/// </summary>
public sealed record SourcePosition(ulong SystemId, uint Timeline, ConsistencyToken CurrentLsn)
{
    /// <summary>
    /// Why the watermarks cannot be trusted, or null when they can (contracts.md §2). A row that claims nothing
    /// (LSN 0: a zero row) needs no check. Every other row must come from this source — same system identifier and
    /// timeline: a wiped or restored database or a promoted standby is another source, whose LSNs do not compare — and
    /// must not be ahead of its current WAL position: no change the source has not written can be in ClickHouse.
    /// Without a position (PostgreSQL never reached), nothing can be checked, so nothing is trusted.
    /// </summary>
    public static string? Distrust(IReadOnlyList<PartitionWatermark> partitions, SourcePosition? source)
    {
        var claiming = partitions.Where(p => p.Watermark != default).ToList();
        if (claiming.Count == 0)
        {
            return null;
        }

        if (source is null)
        {
            return "PostgreSQL has not been reached yet, so the watermark cannot be checked against it";
        }

        foreach (var p in claiming)
        {
            if (p.SourceSystemId != source.SystemId || p.SourceTimeline != source.Timeline)
            {
                return p.SourceSystemId == 0
                    ? $"partition {p.Partition}'s watermark {p.Watermark} records no source (written before sources were recorded, or by a relay that does not send them)"
                    : $"partition {p.Partition}'s watermark {p.Watermark} belongs to another PostgreSQL (system {p.SourceSystemId}, timeline {p.SourceTimeline}) than this one (system {source.SystemId}, timeline {source.Timeline}): restored, replaced or failed over";
            }

            if (p.Watermark > source.CurrentLsn)
            {
                return $"partition {p.Partition}'s watermark {p.Watermark} is ahead of PostgreSQL's current WAL position {source.CurrentLsn}";
            }
        }

        return null;
    }
}
