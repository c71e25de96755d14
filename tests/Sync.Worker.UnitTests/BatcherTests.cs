using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PolyglotAspire.Contracts;
using PolyglotAspire.SyncWorker.Encoding;
using PolyglotAspire.SyncWorker.Pipeline;

namespace PolyglotAspire.SyncWorker.UnitTests;

/// <summary>
/// The batcher seals on rows, bytes, once drained after its linger, at its maximum age (a fake clock), at barriers and at the end, and keeps the books per
/// partition. It runs step by step (<see cref="StepByStep"/>): "nothing sealed" is checked once it provably waits.
/// </summary>
public sealed class BatcherTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly StepByStep _steps = new();
    private readonly StepChannel<RawBlock> _input = new(64);
    private StepChannel<OrderBatch> _output = new();
    private readonly RawBlockPool _blocks = new(1 << 16, 256, 64);
    private readonly OrderBatchPool _batches = new(64 << 10, 8);
    private readonly PartitionOwnership _ownership = new();
    private readonly CommitterDemand _demand = new(synchronousContinuations: true);
    private readonly FakeDeadLetters _deadLetters = new();
    private readonly PipelineStatus _status = new();
    private readonly CancellationTokenSource _cancel = new(); // bounds the test's own waits
    private readonly Random _random = new(11);
    private Task _run = Task.CompletedTask;

    private BlockFactory Factory => new(_blocks, _ownership, _time);

    private readonly PolyglotAspire.SyncWorker.Telemetry.SyncMetrics _metrics;

    public BatcherTests() => _metrics = Doubles.Metrics(_time);

    private void Start(int maxRows = 1_000_000, long maxBytes = 1L << 30, TimeSpan? linger = null, TimeSpan? maxAge = null, int? committerQueue = null,
        TimeSpan? urgentLag = null)
    {
        if (committerQueue is { } capacity)
        {
            _output = new StepChannel<OrderBatch>(capacity);
        }

        _ownership.Assign([0, 1, 2, 3]);
        var batcher = new Batcher(_input.Reader, _output.Writer, _demand, _blocks, _batches,
            new BatchLimits(maxRows, maxBytes, linger ?? TimeSpan.FromHours(1), maxAge ?? TimeSpan.FromHours(2), urgentLag ?? TimeSpan.FromHours(3)), _deadLetters, _status, _time, _metrics, NullLogger.Instance);
        // No cancellation token (see StepByStep): the batcher ends the way it does in production, when its input completes.
        _run = _steps.Start(() => batcher.RunAsync(CancellationToken.None));
        _steps.RunUntilIdle();
    }

    private async Task WriteEventsAsync(int partition, long firstOffset, int count)
    {
        var messages = Enumerable.Range(0, count).Select(i => (partition, firstOffset + i, (byte[]?)Envelopes.Bytes(Envelopes.Random(_random))));
        await _input.Writer.WriteAsync(Factory.Block(messages), _cancel.Token);
    }

    /// <summary>Runs the batcher until it has nothing left to do: it has taken every block and waits.</summary>
    private Task SettledAsync()
    {
        _steps.RunUntilIdle();
        Assert.Equal(0, _input.Reader.Count);
        return Task.CompletedTask;
    }

    /// <summary>The next sealed batch, which must exist once the batcher has run out of work.</summary>
    private Task<OrderBatch> NextAsync()
    {
        _steps.RunUntilIdle();
        Assert.True(_output.Reader.TryRead(out var batch), $"no batch was sealed (the batcher: {_run.Status} {_run.Exception?.GetBaseException()}; input {_input.Reader.Count}, output {_output.Reader.Count}, now {_time.GetUtcNow():O})");
        _steps.RunUntilIdle(); // a seal that waited for room in the committer's queue goes on
        return Task.FromResult(batch);
    }

    [Fact]
    public async Task Seals_a_batch_when_it_reaches_the_row_limit_and_the_rest_at_the_end()
    {
        Start(maxRows: 100);
        for (var i = 0; i < 250; i += 50)
        {
            await WriteEventsAsync(0, i, 50);
        }

        var first = await NextAsync();
        var second = await NextAsync();
        Assert.Equal((100, FlushTrigger.Rows), (first.RowCount, first.Trigger));
        Assert.Equal((100, FlushTrigger.Rows), (second.RowCount, second.Trigger));
        Assert.Equal((0L, 99L), (first.SliceAt(0).FirstOffset, first.SliceAt(0).LastOffset));
        Assert.Equal((100L, 199L), (second.SliceAt(0).FirstOffset, second.SliceAt(0).LastOffset));

        await SettledAsync();
        Assert.False(_output.Reader.TryRead(out _)); // 50 rows wait, and the batcher waits: no limit reached, no age passed

        _input.Writer.Complete();
        var last = await NextAsync();
        Assert.Equal((50, FlushTrigger.Shutdown), (last.RowCount, last.Trigger));
        Assert.Equal(250L, last.SliceAt(0).NextOffset);
        _steps.RunUntilIdle();
        Assert.True(_run.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Seals_a_batch_when_its_RowBinary_reaches_the_byte_limit()
    {
        const long maxBytes = 20_000;
        Start(maxBytes: maxBytes);
        await WriteEventsAsync(1, 0, 400);

        var batch = await NextAsync();
        Assert.Equal(FlushTrigger.Bytes, batch.Trigger);
        Assert.InRange(batch.Rows.Length, maxBytes, maxBytes + 300); // sealed at the row that crossed the limit
        Assert.Equal(batch.RowCount - 1, batch.SliceAt(0).LastOffset);
    }

    [Fact]
    public async Task Seals_a_drained_batch_once_its_first_message_is_as_old_as_the_linger()
    {
        Start(linger: TimeSpan.FromMilliseconds(100));
        await WriteEventsAsync(2, 0, 5);
        await SettledAsync();

        _time.Advance(TimeSpan.FromMilliseconds(60));
        await WriteEventsAsync(2, 5, 5); // joins the same batch: the age counts from the first message
        await SettledAsync();
        _time.Advance(TimeSpan.FromMilliseconds(39));
        await SettledAsync();
        Assert.False(_output.Reader.TryRead(out _));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        var batch = await NextAsync();
        Assert.Equal((10, FlushTrigger.Drained), (batch.RowCount, batch.Trigger));

        // The next batch's age starts with its own first message.
        await WriteEventsAsync(2, 10, 1);
        await SettledAsync();
        _time.Advance(TimeSpan.FromMilliseconds(99));
        await SettledAsync();
        Assert.False(_output.Reader.TryRead(out _));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, (await NextAsync()).RowCount);
    }

    [Fact]
    public async Task While_the_committer_is_busy_a_due_batch_keeps_growing_and_is_sealed_the_moment_it_waits_for_one()
    {
        Start(linger: TimeSpan.FromMilliseconds(100), committerQueue: 1);
        await WriteEventsAsync(0, 0, 10);
        _time.Advance(TimeSpan.FromMilliseconds(100));
        var first = await NextAsync(); // the committer waited for it ...
        Assert.Equal(10, first.RowCount);
        _demand.Set(false);            // ... and is busy inserting it

        await WriteEventsAsync(0, 10, 10);
        _time.Advance(TimeSpan.FromMilliseconds(100));
        await SettledAsync();
        Assert.Equal(0, _output.Reader.Count); // aged, and the queue has room, but a sealed batch would only wait there

        await WriteEventsAsync(0, 20, 10); // so it takes what arrives meanwhile
        _time.Advance(TimeSpan.FromMilliseconds(200));
        await SettledAsync();
        Assert.Equal(0, _output.Reader.Count);

        _demand.Set(true); // the committer is done: the grown batch goes at once
        var grown = await NextAsync();
        Assert.Equal((20, FlushTrigger.Drained, 10L, 29L), (grown.RowCount, grown.Trigger, grown.SliceAt(0).FirstOffset, grown.SliceAt(0).LastOffset));
    }

    [Fact]
    public async Task A_ready_committer_with_a_full_queue_gets_the_due_batch_once_it_has_taken_the_queued_one()
    {
        Start(maxRows: 10, linger: TimeSpan.Zero, committerQueue: 1);
        await WriteEventsAsync(0, 0, 10); // full: sealed into the queue on the row limit
        await WriteEventsAsync(0, 10, 5);
        await SettledAsync();
        Assert.Equal(1, _output.Reader.Count); // the due batch waits behind it, without spinning

        Assert.Equal((10, FlushTrigger.Rows), ((await NextAsync()).RowCount, FlushTrigger.Rows));
        var due = await NextAsync();
        Assert.Equal((5, FlushTrigger.Drained), (due.RowCount, due.Trigger));
    }

    [Fact]
    public async Task Without_linger_a_batch_is_sealed_as_soon_as_the_input_is_drained()
    {
        Start(linger: TimeSpan.Zero, maxAge: TimeSpan.FromMilliseconds(100));
        await WriteEventsAsync(0, 0, 5);
        var first = await NextAsync(); // no time passed: nothing more was waiting
        Assert.Equal((5, FlushTrigger.Drained), (first.RowCount, first.Trigger));

        // What is already waiting joins the batch first: one insert for everything that had arrived.
        await WriteEventsAsync(0, 5, 5);
        await WriteEventsAsync(1, 0, 7);
        var second = await NextAsync();
        Assert.Equal((12, FlushTrigger.Drained), (second.RowCount, second.Trigger));
    }

    [Fact]
    public async Task MaxAge_seals_a_batch_that_input_keeps_feeding()
    {
        Start(linger: TimeSpan.FromMilliseconds(50), maxAge: TimeSpan.FromMilliseconds(100));
        await WriteEventsAsync(0, 0, 10);
        await SettledAsync();
        Assert.False(_output.Reader.TryRead(out _));

        _time.Advance(TimeSpan.FromMilliseconds(100));
        await WriteEventsAsync(0, 10, 10); // more input is waiting, but the batch is as old as MaxAge
        var aged = await NextAsync();
        Assert.Equal((10, FlushTrigger.Age, 9L), (aged.RowCount, aged.Trigger, aged.SliceAt(0).LastOffset));

        _time.Advance(TimeSpan.FromMilliseconds(50));
        var next = await NextAsync();
        Assert.Equal((10, FlushTrigger.Drained, 10L), (next.RowCount, next.Trigger, next.SliceAt(0).FirstOffset));
    }

    [Fact]
    public async Task Far_behind_the_freshness_target_a_drained_batch_does_not_linger()
    {
        Start(linger: TimeSpan.FromMilliseconds(200), maxAge: TimeSpan.FromSeconds(1), urgentLag: TimeSpan.FromSeconds(2));
        _metrics.Watermark(0, _time.GetUtcNow().ToUnixTimeMilliseconds());
        _time.Advance(TimeSpan.FromMilliseconds(1900));
        await WriteEventsAsync(0, 0, 5);
        await SettledAsync();
        Assert.False(_output.Reader.TryRead(out _)); // 1.9 s behind: within half the target, it lingers

        _time.Advance(TimeSpan.FromMilliseconds(100)); // 2 s behind, the batch only 100 ms old: no more lingering
        await WriteEventsAsync(0, 5, 5);
        var batch = await NextAsync();
        Assert.Equal((10, FlushTrigger.Drained), (batch.RowCount, batch.Trigger));
    }

    [Fact]
    public async Task An_idle_batcher_seals_nothing()
    {
        Start(linger: TimeSpan.Zero, maxAge: TimeSpan.FromMilliseconds(10));
        _time.Advance(TimeSpan.FromSeconds(5));
        await SettledAsync();
        Assert.False(_output.Reader.TryRead(out _));
    }

    [Fact]
    public async Task A_barrier_seals_what_came_before_it_and_travels_with_that_batch()
    {
        Start();
        await WriteEventsAsync(0, 0, 3);
        var barrier = new FlushRequest();
        var control = _blocks.Rent();
        control.Flush = barrier;
        await _input.Writer.WriteAsync(control, _cancel.Token);

        var batch = await NextAsync();
        Assert.Equal((3, FlushTrigger.Barrier), (batch.RowCount, batch.Trigger));
        Assert.Same(barrier, Assert.Single(batch.Barriers));

        // With nothing before it, the barrier still gets a (empty) batch, so it is completed in order.
        var second = new FlushRequest();
        var control2 = _blocks.Rent();
        control2.Flush = second;
        await _input.Writer.WriteAsync(control2, _cancel.Token);
        var empty = await NextAsync();
        Assert.True(empty.IsEmpty);
        Assert.Same(second, Assert.Single(empty.Barriers));
    }

    [Fact]
    public async Task Heartbeats_and_dead_letters_take_offsets_but_no_rows_and_the_watermark_follows_the_contract()
    {
        Start();
        var order = Envelopes.Random(_random) with { CommitLsn = 1000, CommitTimeMs = 1_795_600_000_000 };
        var heartbeat = Envelopes.Heartbeat(900, 1_795_599_999_000); // older than the event: the watermark never goes back
        await _input.Writer.WriteAsync(Factory.Block(
        [
            (3, 40, Envelopes.Bytes(order)),
            (3, 41, "garbage"u8.ToArray()),
            (3, 42, Envelopes.Bytes(heartbeat)),
            (3, 43, null),
        ]), _cancel.Token);
        _input.Writer.Complete();

        var batch = await NextAsync();
        Assert.Equal((1, 1, 4), (batch.RowCount, batch.HeartbeatCount, batch.MessageCount));
        var slice = Assert.Single(batch.Slices.ToArray());
        Assert.Equal((3, 40L, 43L, 44L), (slice.Partition, slice.FirstOffset, slice.LastOffset, slice.NextOffset));
        // An event of LSN X proves everything below X (its transaction may continue in the next batch).
        Assert.Equal(999UL, slice.Lsn);
        Assert.Equal(1_795_599_999_999, slice.AsOfMs);

        Assert.Equal([(41L, DecodeError.NotAnArray), (43L, DecodeError.Empty)], batch.DeadLetters.Select(d => (d.Offset, d.Error)));
        Assert.Equal("garbage"u8.ToArray(), batch.DeadLetters[0].Value);
        Assert.Equal([3], batch.DeadLetters[0].Key);
        Assert.Equal(2, _deadLetters.Published.Count);
    }

    [Fact]
    public async Task A_heartbeat_alone_proves_its_own_lsn_and_time()
    {
        Start();
        await _input.Writer.WriteAsync(Factory.Block([(0, 7, Envelopes.Bytes(Envelopes.Heartbeat(5000, 1_795_600_000_500)))]), _cancel.Token);
        _input.Writer.Complete();
        var slice = (await NextAsync()).SliceAt(0);
        Assert.Equal((5000UL, 1_795_600_000_500L, 8L), (slice.Lsn, slice.AsOfMs, slice.NextOffset));
    }

    [Fact]
    public async Task Slices_are_kept_per_partition_with_the_epoch_they_were_consumed_in()
    {
        Start();
        var epoch = _ownership.Current.EpochOf(1);
        await _input.Writer.WriteAsync(Factory.Block(
        [
            (1, 10, Envelopes.Bytes(Envelopes.Random(_random))),
            (2, 20, Envelopes.Bytes(Envelopes.Random(_random))),
            (1, 11, Envelopes.Bytes(Envelopes.Random(_random))),
        ]), _cancel.Token);
        _input.Writer.Complete();
        var batch = await NextAsync();
        Assert.Equal([(1, 10L, 11L, epoch), (2, 20L, 20L, epoch)], batch.Slices.ToArray().Select(s => (s.Partition, s.FirstOffset, s.LastOffset, s.Epoch)));
    }

    [Fact]
    public async Task Dead_letters_count_toward_the_row_limit_so_undecodable_input_cannot_grow_a_batch_without_bound()
    {
        Start(maxRows: 10);
        await _input.Writer.WriteAsync(Factory.Block(Enumerable.Range(0, 25).Select(i => (0, (long)i, (byte[]?)"garbage"u8.ToArray()))), _cancel.Token);

        var first = await NextAsync();
        var second = await NextAsync();
        Assert.Equal((0, 10, FlushTrigger.Rows), (first.RowCount, first.DeadLetters.Count, first.Trigger));
        Assert.Equal((0, 10, FlushTrigger.Rows), (second.RowCount, second.DeadLetters.Count, second.Trigger));
        await SettledAsync();
        Assert.False(_output.Reader.TryRead(out _)); // five wait for more
    }

    [Fact]
    public async Task Dead_letters_count_toward_the_byte_limit()
    {
        Start(maxBytes: 64 << 10);
        var garbage = new byte[8 << 10]; // 0x00…: not a MessagePack array
        await _input.Writer.WriteAsync(Factory.Block(Enumerable.Range(0, 20).Select(i => (1, (long)i, (byte[]?)garbage))), _cancel.Token);

        var batch = await NextAsync();
        Assert.Equal((FlushTrigger.Bytes, 8), (batch.Trigger, batch.DeadLetters.Count)); // 8 × 8 KiB (+ keys) reach 64 KiB
        Assert.InRange(batch.DeadLetterBytes, 64 << 10, (64 << 10) + 100);
    }

    [Fact]
    public async Task A_newer_schema_version_stops_its_partition_before_it_and_only_that_partition()
    {
        Start();
        var before = Envelopes.Random(_random) with { CommitLsn = 1_000, CommitTimeMs = 1_795_600_000_000 };
        var newer = Envelopes.Random(_random) with { SchemaVersion = OrderEvent.CurrentSchemaVersion + 1, CommitLsn = 2_000 };
        var after = Envelopes.Random(_random) with { CommitLsn = 3_000, CommitTimeMs = 1_795_600_000_900 };
        var heartbeat = Envelopes.Heartbeat(4_000, 1_795_600_001_000);
        await _input.Writer.WriteAsync(Factory.Block(
        [
            (0, 10, Envelopes.Bytes(before)), (0, 11, Envelopes.Bytes(newer)), (1, 5, Envelopes.Bytes(before)),
            (0, 12, Envelopes.Bytes(after)), (0, 13, Envelopes.Bytes(heartbeat)), (1, 6, Envelopes.Bytes(heartbeat)),
        ]), _cancel.Token);
        await _input.Writer.WriteAsync(Factory.Block([(0, 14, Envelopes.Bytes(after)), (1, 7, Envelopes.Bytes(before))]), _cancel.Token);
        _input.Writer.Complete();

        var batch = await NextAsync();
        var slices = batch.Slices.ToArray().ToDictionary(s => s.Partition);
        // Partition 0: only what came before it — committed up to it, never past it, watermark below it.
        Assert.Equal((10L, 11L), (slices[0].FirstOffset, slices[0].NextOffset));
        Assert.Equal((999UL, 1_795_600_000_000L - 1), (slices[0].Lsn, slices[0].AsOfMs));
        // Partition 1 goes on.
        Assert.Equal((5L, 8L, 4_000UL), (slices[1].FirstOffset, slices[1].NextOffset, slices[1].Lsn));
        Assert.Equal((3, 0), (batch.RowCount, batch.DeadLetters.Count)); // not a dead letter
        Assert.Contains("partition 0 stopped before offset 11: SchemaVersion 2", _status.Snapshot().Halted, StringComparison.Ordinal);

        // Giving the partition up forgets the stop: its next owner meets the message again, and stops there too.
        _ownership.Revoke([0]);
        _status.KeepHalts(_ownership.Current);
        Assert.Null(_status.Snapshot().Halted);
    }

    public async ValueTask DisposeAsync()
    {
        _input.Writer.TryComplete();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!_run.IsCompleted && !timeout.IsCancellationRequested)
        {
            _steps.RunUntilIdle();
            while (_output.Reader.TryRead(out _))
            {
                // the committer's part: take what is sealed, so that a waiting seal goes on
            }

            await Task.Delay(1, CancellationToken.None);
        }

        await _run;
        _cancel.Dispose();
        _batches.Dispose();
    }
}
