namespace PolyglotAspire.SyncWorker.DeadLetters;

/// <summary>
/// The body of <c>POST /api/admin/dead-letters/replay</c> (optional). <see cref="FromBeginning"/>: read the whole
/// dead-letter topic again rather than from the replay's committed position (after a fix for letters an earlier
/// replay could not decode; what was replayed before collapses by version).
/// </summary>
public sealed record ReplayRequest(bool FromBeginning = false);
