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

/// <summary>A consistent snapshot of the relay, for the health check.</summary>
public sealed record RelayStatus(
    RelayState State,
    DateTimeOffset Since,
    string? Detail,
    long InFlight,
    TimeSpan WaitingForAck,
    ulong ConfirmedLsn);

/// <summary>
/// Where the relay's state is kept: written by the relay and its sessions, read as a <see cref="RelayStatus"/>.
/// <see cref="RelayStatus.Since"/> moves only when the state changes.
/// </summary>
internal sealed class RelayStatusBoard(TimeProvider time)
{
    private readonly Lock _gate = new();
    private RelayState _state = RelayState.Starting;
    private DateTimeOffset _since = time.GetUtcNow();
    private string? _detail;
    private volatile AckTracker? _tracker;

    public RelayState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    public RelayStatus Current
    {
        get
        {
            var tracker = _tracker;
            lock (_gate)
            {
                return new RelayStatus(_state, _since, _detail, tracker?.InFlight ?? 0, tracker?.WaitingFor ?? TimeSpan.Zero, tracker?.ConfirmedLsn ?? 0);
            }
        }
    }

    public void Set(RelayState state, string? detail)
    {
        lock (_gate)
        {
            if (_state != state)
            {
                _since = time.GetUtcNow();
            }

            (_state, _detail) = (state, detail);
        }
    }

    /// <summary>The session that starts reports its acknowledgements here (the last session's stay until the next starts).</summary>
    public void Attach(AckTracker tracker) => _tracker = tracker;
}
