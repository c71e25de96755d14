namespace PolyglotAspire.OrdersApi.Capture;

/// <summary>
/// Progress rounds (contracts §2): after the relay has produced a transaction, a heartbeat envelope with that
/// transaction's commit LSN and time goes to every partition, so that every partition's watermark reaches the commit
/// in the batch that applies it. Without them an order event moves its partition only to just below its commit, and
/// the other partitions wait for a later event of theirs: a read-your-writes token waited for the next batch, or for
/// the next WAL heartbeat (500 ms) once writes stopped.
/// <para>
/// At most one round per <paramref name="interval"/>: the first change after a quiet spell gets its round at once,
/// and a burst gets one more at the end of the interval, for the last commit produced by then. A round is built from
/// what was already handed to the producer (<see cref="Published"/> runs after a transaction's last event), and the
/// producer keeps each partition in order: a round of LSN L comes after every change ≤ L of its partition.
/// </para>
/// </summary>
internal sealed class ProgressRounds(TimeSpan interval, TimeProvider time)
{
    private readonly Lock _gate = new();
    private (ulong Lsn, long TimeMs) _latest;
    private ulong _sent;
    private TaskCompletionSource _published = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Every event of the transaction that committed at <paramref name="lsn"/> has been handed to the producer.</summary>
    public void Published(ulong lsn, long timeMs)
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            if (lsn <= _latest.Lsn)
            {
                return;
            }

            _latest = (lsn, timeMs);
            signal = _published;
        }

        signal.TrySetResult();
    }

    /// <summary>Sends a round (<paramref name="send"/>) for the newest published commit whenever there is one not yet sent.</summary>
    public async Task RunAsync(Func<ulong, long, CancellationToken, Task> send, CancellationToken cancellationToken)
    {
        while (true)
        {
            (ulong Lsn, long TimeMs) next;
            Task published;
            lock (_gate)
            {
                next = _latest;
                if (_published.Task.IsCompleted)
                {
                    _published = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                published = _published.Task;
            }

            if (next.Lsn <= _sent)
            {
                await published.WaitAsync(cancellationToken);
                continue;
            }

            await send(next.Lsn, next.TimeMs, cancellationToken);
            _sent = next.Lsn;
            await Task.Delay(interval, time, cancellationToken);
        }
    }
}
