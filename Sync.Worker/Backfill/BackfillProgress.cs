using PolyglotAspire.Contracts;

namespace PolyglotAspire.SyncWorker.Backfill;

/// <summary>One backfill's progress, written by the run and read by <c>GET /api/admin/backfill</c> at any time.</summary>
internal sealed class BackfillProgress(BackfillRequest request, DateTimeOffset startedAt)
{
    private readonly Lock _lock = new();
    private long _rows;
    private long _tombstones;
    private ulong? _lsn;
    private string _phase = "starting";
    private string _state = BackfillStatus.Running;
    private DateTimeOffset? _finishedAt;
    private string? _error;

    public bool Running
    {
        get
        {
            lock (_lock)
            {
                return _state == BackfillStatus.Running;
            }
        }
    }

    public long Rows => Interlocked.Read(ref _rows);

    public void Phase(string phase)
    {
        lock (_lock)
        {
            _phase = phase;
        }
    }

    public void Snapshot(ulong lsn)
    {
        lock (_lock)
        {
            _lsn = lsn;
        }
    }

    public void Copied(long rows) => Interlocked.Add(ref _rows, rows);

    public void Tombstoned(long rows) => Interlocked.Add(ref _tombstones, rows);

    public void Finish(DateTimeOffset at, string? error)
    {
        lock (_lock)
        {
            _state = error is null ? BackfillStatus.Done : BackfillStatus.Failed;
            _phase = error is null ? "done" : _phase;
            _finishedAt = at;
            _error = error;
        }
    }

    public BackfillStatus Status()
    {
        lock (_lock)
        {
            return new BackfillStatus(_state, Rows, Interlocked.Read(ref _tombstones), _lsn is { } lsn ? new ConsistencyToken(lsn).ToString() : null,
                startedAt, _finishedAt, _phase, request.FromUtc, request.ToUtc, _error);
        }
    }
}
