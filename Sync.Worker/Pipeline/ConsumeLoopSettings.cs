namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>Settings of the consume loop (from <see cref="SyncWorkerOptions"/>).</summary>
internal readonly record struct ConsumeLoopSettings(
    string Topic,
    int BlockMessages,
    int BlockArenaReserve,
    TimeSpan PollTimeout,
    TimeSpan RevocationFlushTimeout,
    TimeSpan PauseAfter);
