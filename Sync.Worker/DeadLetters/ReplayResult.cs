namespace PolyglotAspire.SyncWorker.DeadLetters;

/// <summary>
/// What a dead-letter replay did (<c>POST</c>/<c>GET /api/admin/dead-letters/replay</c>): dead letters <see cref="Read"/>
/// from its committed position to the topic's end when it started, <see cref="Replayed"/> into <c>orders</c>,
/// <see cref="Heartbeats"/> skipped (they carry no row), <see cref="Undecodable"/> still not decodable (the first
/// hundred listed in <see cref="Letters"/>, with why).
/// </summary>
public sealed record ReplayResult(
    string State,
    long Read,
    long Replayed,
    long Heartbeats,
    long Undecodable,
    IReadOnlyList<UndecodableLetter> Letters,
    bool FromBeginning,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? Error)
{
    public static readonly ReplayResult Never = new("idle", 0, 0, 0, 0, [], false, null, null, null);
}
