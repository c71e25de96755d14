namespace PolyglotAspire.OrdersApi.Capture;

public enum RelayState
{
    /// <summary>Not started yet.</summary>
    Starting,

    /// <summary>Opening the replication connection and starting the stream.</summary>
    Connecting,

    /// <summary>Another instance holds the slot: this one waits and takes over when it is released.</summary>
    Standby,

    /// <summary>This instance holds the slot and publishes.</summary>
    Streaming,

    /// <summary>The last session failed; waiting (with backoff) before the next.</summary>
    Retrying,

    /// <summary>Switched off by configuration.</summary>
    Disabled,

    /// <summary>The host is stopping.</summary>
    Stopped,
}

/// <summary>A consistent snapshot of the relay, for the health check and logs.</summary>
public sealed record RelayStatus(
    RelayState State,
    DateTimeOffset Since,
    string? Detail,
    long InFlight,
    TimeSpan WaitingForAck,
    ulong ConfirmedLsn,
    long ConfirmedCommitTimeMs);
