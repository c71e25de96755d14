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

    /// <summary>
    /// The replication slot is gone or invalidated (<see cref="SlotLoss"/>): capture is stopped until an operator
    /// recovers (a backfill, then a new slot), rather than restarted at the current WAL position with a silent gap.
    /// </summary>
    SlotLost,
}

/// <summary>
/// A consistent snapshot of the relay, for the health check. <see cref="NotStreamingSince"/>: when it last stopped
/// streaming (or started), null while streaming, on standby or off — retries and reconnections do not move it.
/// <see cref="Permanent"/>: why the last failure will not go away by retrying (<see cref="RelayFailures"/>), if so.
/// </summary>
public sealed record RelayStatus(
    RelayState State,
    DateTimeOffset Since,
    string? Detail,
    long InFlight,
    TimeSpan WaitingForAck,
    ulong ConfirmedLsn,
    DateTimeOffset? NotStreamingSince = null,
    string? Permanent = null);

/// <summary>
/// Where the relay's state is kept: written by the relay and its sessions, read as a <see cref="RelayStatus"/>.
/// <see cref="RelayStatus.Since"/> moves only when the state changes; <see cref="RelayStatus.NotStreamingSince"/> only
/// when the relay stops or resumes streaming (a retry after a retry does not restart that clock).
/// </summary>
internal sealed class RelayStatusBoard(TimeProvider time)
{
    private readonly Lock _gate = new();
    private RelayState _state = RelayState.Starting;
    private DateTimeOffset _since = time.GetUtcNow();
    private DateTimeOffset? _notStreamingSince = time.GetUtcNow();
    private string? _detail;
    private string? _permanent;
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
                return new RelayStatus(_state, _since, _detail, tracker?.InFlight ?? 0, tracker?.WaitingFor ?? TimeSpan.Zero, tracker?.ConfirmedLsn ?? 0,
                    _notStreamingSince, _permanent);
            }
        }
    }

    public void Set(RelayState state, string? detail, string? permanent = null)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (_state != state)
            {
                _since = now;
            }

            if (state is RelayState.Streaming or RelayState.Standby or RelayState.Disabled or RelayState.Stopped)
            {
                _notStreamingSince = null;
            }
            else
            {
                _notStreamingSince ??= now;
            }

            (_state, _detail, _permanent) = (state, detail, permanent);
        }
    }

    /// <summary>The session that starts reports its acknowledgements here (the last session's stay until the next starts).</summary>
    public void Attach(AckTracker tracker) => _tracker = tracker;
}
