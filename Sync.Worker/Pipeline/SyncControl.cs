namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>
/// An operator's pause of consumption (<c>POST /api/admin/sync/pause</c> and <c>/resume</c>): requested here, applied by
/// the consume loop on its own thread — it hands over what it consumed, pauses every assigned partition and keeps
/// polling (rebalances are served, <c>max.poll.interval.ms</c> is never approached), so nothing is lost or skipped:
/// on resume librdkafka fetches from the consumed position. In memory: a restarted worker consumes again.
/// </summary>
internal sealed class SyncControl
{
    private volatile bool _pauseRequested;
    private volatile bool _paused;

    public bool PauseRequested => _pauseRequested;

    /// <summary>Whether the consume loop has applied the pause (its partitions are paused).</summary>
    public bool Paused => _paused;

    public void RequestPause() => _pauseRequested = true;

    public void RequestResume() => _pauseRequested = false;

    /// <summary>The consume loop applied a request.</summary>
    public void Applied(bool paused) => _paused = paused;
}
