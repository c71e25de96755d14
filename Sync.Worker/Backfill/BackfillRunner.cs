using System.Buffers;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using ClickHouse.Driver;
using Npgsql;
using PolyglotAspire.Contracts;
using PolyglotAspire.SyncWorker.ClickHouse;
using PolyglotAspire.SyncWorker.Telemetry;

namespace PolyglotAspire.SyncWorker.Backfill;

/// <summary>
/// One backfill (docs/operations.md): PostgreSQL's <c>orders</c> at a snapshot LSN <c>L</c> (<see cref="PostgresSnapshot"/>)
/// copied into ClickHouse while the stream goes on, then tombstones (<see cref="Tombstones"/>) once the stream has passed
/// <c>L</c>.
/// <para>
/// <b>Why it merges exactly with the stream.</b> Each copied row is an order's state at <c>L</c> with PostgreSQL's own
/// version. The stream delivers every change as a row with the version it made. ReplacingMergeTree keeps the highest
/// version, whatever the order rows arrive in: a change after <c>L</c> has a higher version and wins; the change that
/// made the state at <c>L</c> has the same version and the same state (either row may be kept); older ones lose. So
/// no change in the snapshot → stream window is lost or counted twice, and nothing has to stop.
/// </para>
/// <para>
/// <b>Why it is restartable.</b> Every row written is a true state of an order with its true version, and a run
/// changes nothing else (its key table is emptied at the start): a run killed part-way leaves rows that later ones
/// collapse with, and the next run (a new snapshot) copies everything again and places the tombstones.
/// </para>
/// <para>
/// <b>Fast.</b> The rows come as one binary <c>COPY (SELECT …) TO STDOUT</c> in the snapshot's transaction and are
/// turned into RowBinary from the bytes read (<see cref="SnapshotRowDecoder"/>), in batches inserted while the next one
/// is read (two in flight at most).
/// </para>
/// </summary>
internal sealed partial class BackfillRunner(
    NpgsqlDataSource source,
    string connectionString,
    IClickHouseClient client,
    IClickHouseSink sink,
    SyncWorkerOptions options,
    TimeProvider time,
    SyncMetrics metrics,
    ILogger logger)
{
    private const int InsertAttempts = 4;

    public async Task RunAsync(BackfillRequest request, BackfillProgress progress, CancellationToken cancellationToken)
    {
        var rate = Math.Min(request.MaxRowsPerSecond ?? int.MaxValue, options.BackfillMaxRowsPerSecond > 0 ? options.BackfillMaxRowsPerSecond : int.MaxValue);
        ulong lsn;
        long snapshotTimeMs;
        progress.Phase("taking a snapshot");
        await using (var snapshot = await PostgresSnapshot.TakeAsync(source, connectionString, "backfill",
            options.BackfillSnapshotTimeout, options.BackfillStatementTimeout, cancellationToken))
        {
            lsn = snapshot.Lsn;
            snapshotTimeMs = snapshot.TakenAt.ToUnixTimeMilliseconds();
            progress.Snapshot(lsn);
            LogSnapshot(logger, new ConsistencyToken(lsn), request.FromUtc, request.ToUtc);

            await client.ExecuteNonQueryAsync(SnapshotKeysTable.Create, cancellationToken: cancellationToken);
            await client.ExecuteNonQueryAsync(SnapshotKeysTable.Truncate, cancellationToken: cancellationToken);
            await using var tracks = snapshot.CreateCommand(SnapshotSql.TracksCommitTimestamps);
            var commitTimestamps = (bool)(await tracks.ExecuteScalarAsync(cancellationToken))!;

            progress.Phase("copying");
            var started = time.GetTimestamp();
            await CopyAsync(snapshot, SnapshotSql.Copy(request.FromUtc, request.ToUtc, request.WholeTable, commitTimestamps), rate == int.MaxValue ? 0 : rate, progress, cancellationToken);
            var seconds = time.GetElapsedTime(started).TotalSeconds;
            LogCopied(logger, progress.Rows, seconds);
        }

        // The snapshot's transaction is over: PostgreSQL no longer keeps its row versions around for it.
        progress.Phase("waiting for the stream to pass the snapshot");
        await WaitForStreamAsync(lsn, cancellationToken);

        progress.Phase("placing tombstones");
        var tombstones = await Tombstones.PlaceAsync(client, sink, lsn, snapshotTimeMs, request.FromUtc, request.ToUtc, cancellationToken);
        progress.Tombstoned(tombstones);
        await client.ExecuteNonQueryAsync(SnapshotKeysTable.Drop, cancellationToken: cancellationToken);
        LogDone(logger, new ConsistencyToken(lsn), progress.Rows, tombstones);
    }

    /// <summary>Reads the COPY into batches (this task) while another task inserts them, with at most three batches alive.</summary>
    private async Task CopyAsync(PostgresSnapshot snapshot, string sql, int rate, BackfillProgress progress, CancellationToken cancellationToken)
    {
        var free = Channel.CreateUnbounded<BackfillBatch>();
        var full = Channel.CreateUnbounded<BackfillBatch>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var batches = Enumerable.Range(0, 3).Select(_ => new BackfillBatch()).ToList();
        batches.ForEach(b => free.Writer.TryWrite(b));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var inserting = Task.Run(() => InsertAllAsync(full.Reader, free.Writer, snapshot.Lsn, progress, stop), CancellationToken.None);
        Exception? readError = null;
        try
        {
            await ReadAllAsync(snapshot, sql, rate, free.Reader, full.Writer, stop.Token);
            full.Writer.Complete();
        }
        catch (Exception ex)
        {
            readError = ex;
            full.Writer.TryComplete();
            await stop.CancelAsync();
        }

        try
        {
            await inserting;
        }
        catch (Exception insertError) when (readError is null or OperationCanceledException && insertError is not OperationCanceledException)
        {
            throw; // the insert failed first: the read was only cancelled because of it
        }
        catch (Exception) when (readError is not null)
        {
            // The read failed first; its error is the cause.
        }
        finally
        {
            batches.ForEach(b => b.Dispose());
        }

        if (readError is not null)
        {
            ExceptionDispatchInfo.Throw(readError);
        }
    }

    private async Task ReadAllAsync(
        PostgresSnapshot snapshot, string sql, int rate, ChannelReader<BackfillBatch> free, ChannelWriter<BackfillBatch> full, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        var started = time.GetTimestamp();
        long rows = 0;
        var number = 0;
        var batch = await free.ReadAsync(cancellationToken);
        var reader = new CopyReader();
        var stream = await snapshot.Connection.BeginRawBinaryCopyAsync(sql, cancellationToken);
        try
        {
            int start = 0, end = 0;
            while (true)
            {
                if (reader.Parse(buffer, ref start, end, batch, snapshot.Lsn, options.BackfillBatchRows) is var ended && (ended || batch.Rows >= options.BackfillBatchRows))
                {
                    if (batch.Rows > 0)
                    {
                        batch.Number = number++;
                        rows += batch.Rows;
                        full.TryWrite(batch);
                        await ThrottleAsync(rows, rate, started, cancellationToken);
                        batch = ended ? null! : await free.ReadAsync(cancellationToken);
                    }

                    if (ended)
                    {
                        break;
                    }

                    continue;
                }

                // Need more bytes: keep the incomplete tuple, grow if one tuple does not fit.
                if (start > 0)
                {
                    buffer.AsSpan(start, end - start).CopyTo(buffer);
                    (end, start) = (end - start, 0);
                }

                if (end == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, end).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await stream.ReadAsync(buffer.AsMemory(end), cancellationToken);
                if (read == 0)
                {
                    throw new InvalidDataException("PostgreSQL's COPY ended without its trailer.");
                }

                end += read;
            }
        }
        catch
        {
            await stream.CancelAsync();
            throw;
        }
        finally
        {
            await stream.DisposeAsync();
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Holds the copy to <paramref name="rate"/> rows per second (0: no limit).</summary>
    private async Task ThrottleAsync(long rows, int rate, long started, CancellationToken cancellationToken)
    {
        if (rate <= 0)
        {
            return;
        }

        var ahead = TimeSpan.FromSeconds((double)rows / rate) - time.GetElapsedTime(started);
        if (ahead > TimeSpan.Zero)
        {
            await Task.Delay(ahead, time, cancellationToken);
        }
    }

    private async Task InsertAllAsync(
        ChannelReader<BackfillBatch> full, ChannelWriter<BackfillBatch> free, ulong lsn, BackfillProgress progress, CancellationTokenSource stop)
    {
        try
        {
            await foreach (var batch in full.ReadAllAsync(stop.Token))
            {
                // The same bytes under the same token on a retry: ClickHouse keeps one copy.
                var token = string.Create(CultureInfo.InvariantCulture, $"backfill:{lsn:X}:{batch.Number}#{batch.Orders.ContentHash():X16}");
                await InsertWithRetriesAsync("backfill orders insert", ct => sink.InsertOrdersAsync(batch.Orders, token, ct), stop.Token);
                await InsertWithRetriesAsync("backfill keys insert", async ct =>
                {
                    using var response = await client.InsertRawStreamAsync(SnapshotKeysTable.Name, batch.Keys.OpenRead(), "RowBinary",
                        SnapshotKeysTable.InsertColumns, useCompression: false, new QueryOptions { CustomSettings = ClickHouseSink.InsertSettings(token, cluster: null) }, ct);
                }, stop.Token);
                progress.Copied(batch.Rows);
                metrics.Backfilled(batch.Rows);
                batch.Reset();
                free.TryWrite(batch);
            }
        }
        catch
        {
            await stop.CancelAsync();
            throw;
        }
    }

    private async Task InsertWithRetriesAsync(string operation, Func<CancellationToken, Task> insert, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await insert(cancellationToken);
                return;
            }
            catch (Exception ex) when (attempt < InsertAttempts && ex is not OperationCanceledException)
            {
                metrics.Retried(operation);
                LogRetry(logger, ex, operation, attempt);
                await Task.Delay(TimeSpan.FromSeconds(attempt), time, cancellationToken);
            }
        }
    }

    /// <summary>Waits until every partition's watermark has reached <paramref name="lsn"/>: every event up to it is in <c>orders</c>.</summary>
    private async Task WaitForStreamAsync(ulong lsn, CancellationToken cancellationToken)
    {
        var deadline = time.GetTimestamp() + (long)(options.BackfillWatermarkWait.TotalSeconds * time.TimestampFrequency);
        while (true)
        {
            var marks = await sink.ReadSyncStateAsync(options.Topic, cancellationToken);
            if (marks.Count > 0 && marks.Values.All(m => m.Lsn >= lsn))
            {
                return;
            }

            if (time.GetTimestamp() >= deadline)
            {
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
                    $"The stream did not pass the snapshot {new ConsistencyToken(lsn)} within {options.BackfillWatermarkWait} (watermarks {string.Join(", ", marks.Values.Select(m => new ConsistencyToken(m.Lsn)))}): the rows are copied, the tombstones are not placed; run the backfill again once the sync pipeline flows."));
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), time, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Backfill: snapshot at {Lsn}, orders created in [{From:O}, {To:O})")]
    private static partial void LogSnapshot(ILogger logger, ConsistencyToken lsn, DateTime from, DateTime to);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backfill: {Rows} orders copied in {Seconds:F1} s")]
    private static partial void LogCopied(ILogger logger, long rows, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backfill at {Lsn} done: {Rows} orders copied, {Tombstones} tombstones placed")]
    private static partial void LogDone(ILogger logger, ConsistencyToken lsn, long rows, long tombstones);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Operation} failed (attempt {Attempt}); retrying")]
    private static partial void LogRetry(ILogger logger, Exception exception, string operation, int attempt);
}
