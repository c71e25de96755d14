using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using ClickHouse.Driver;

namespace PolyglotAspire.Load.Scenarios.Freshness;

/// <summary>
/// When each order of an observed load first shows up in a ClickHouse table, seen the way a reader sees it: a query
/// on that table, polled every <paramref name="interval"/>, for every order sent and not yet seen (looked up by its
/// customer id, unique per order; see <see cref="IWriteObserver"/>). An order counts as visible at the moment the
/// answer that first holds it arrives: a reader who asked had it by then, so the figure never flatters a peer; its
/// resolution is the poll interval plus one query. Each poll asks only for orders created since a little before the
/// oldest one it waits for (<c>created_at</c> is set when the order is written, on this machine's clock): the question
/// stays the size of what is outstanding, not of the table. <c>orders</c> answers it from its primary index
/// (<c>created_at</c> leads its sorting key); the mirror, sorted by <c>order_id</c>, scans.
/// <para>
/// Why this and not Analytics.Api's <c>/freshness?token=…&amp;waitMs=…</c>: the token says when the worker's watermark
/// (the minimum over all partitions, advanced by heartbeats) has passed a write, which is the read-your-writes
/// guarantee and is measured beside this by <see cref="TokenProbe"/>; but a reader of the dashboard sees a row as soon
/// as its insert is committed, and ClickHouse's MaterializedPostgreSQL mirror has no token at all. Polling the table
/// itself measures both peers with the same ruler.
/// </para>
/// </summary>
internal sealed class VisibilityProbe(ClickHouseClient clickhouse, string table, TimeSpan interval) : IWriteObserver
{
    // Enough to hold the outstanding orders of a second at the highest rate; older ones are asked for first.
    private const int MaxKeysPerPoll = 4_000;

    // Orders are written after they are sent, on the same clock: this much before the oldest send is a safe lower bound.
    private static readonly TimeSpan CreatedAtMargin = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, long> _outstanding = new(); // customer id → when sent (UTC ticks; oldest asked first)
    private readonly ConcurrentDictionary<string, long> _seen = new(); // customer id → unix µs the answer arrived

    public string Table => table;

    /// <summary>Customer id → when a query on the table first returned it (unix microseconds).</summary>
    public IReadOnlyDictionary<string, long> Seen => _seen;

    public int Outstanding => _outstanding.Count;

    public int Polls { get; private set; }

    /// <summary>Each successful poll's round trip: what the ruler itself adds (up to one poll plus the interval).</summary>
    public Latency PollTime { get; } = new();

    public int FailedPolls { get; private set; }

    public string? LastFailure { get; private set; }

    public void Sending(string customerId) => _outstanding[customerId] = DateTime.UtcNow.Ticks;

    // An order that was not created will never show up: stop asking for it.
    public void Answered(string customerId, HttpResponseMessage? response)
    {
        if (response?.StatusCode != HttpStatusCode.Created)
        {
            _outstanding.TryRemove(customerId, out _);
        }
    }

    /// <summary>Polls until <paramref name="stop"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            // ToArray is the dictionary's own atomic snapshot; LINQ straight over it races with the load's writers.
            var oldest = _outstanding.ToArray().OrderBy(o => o.Value).Take(MaxKeysPerPoll).ToArray();
            var keys = oldest.Select(o => o.Key).ToArray();
            if (keys.Length > 0)
            {
                try
                {
                    await PollAsync(keys, new DateTime(oldest[0].Value, DateTimeKind.Utc) - CreatedAtMargin, stop);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is ClickHouseServerException or HttpRequestException)
                {
                    FailedPolls++; // the next poll asks again: a failure delays what it would have seen, never loses it
                    LastFailure = ex.Message;
                }
            }

            try
            {
                await Task.Delay(interval, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Waits until every order sent so far was seen (or not created), at most <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitUntilAllSeenAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            while (!_outstanding.IsEmpty)
            {
                await Task.Delay(interval, deadline.Token);
            }

            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task PollAsync(string[] keys, DateTime since, CancellationToken stop)
    {
        // The keys are the load's own customer ids (prefix + digits, no quotes), so they are inlined: a few thousand
        // of them would overflow a URL's query parameter, and the statement goes in the request body.
        var sql = $"SELECT customer_id FROM {table} WHERE created_at >= toDateTime64('{since:yyyy-MM-dd HH:mm:ss}', 3, 'UTC') " +
            $"AND customer_id IN ('{string.Join("','", keys)}')";
        var started = Stopwatch.GetTimestamp();
        var found = new List<string>();
        using (var reader = await clickhouse.ExecuteReaderAsync(sql, cancellationToken: stop))
        {
            while (reader.Read())
            {
                found.Add(reader.GetString(0));
            }
        }

        var arrived = UnixMicroseconds.Now;
        PollTime.Record(Stopwatch.GetElapsedTime(started));
        foreach (var customerId in found)
        {
            _outstanding.TryRemove(customerId, out _);
            _seen.TryAdd(customerId, arrived);
        }

        Polls++;
    }
}
