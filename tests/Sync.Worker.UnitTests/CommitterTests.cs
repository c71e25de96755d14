using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PolyglotAspire.Contracts;
using PolyglotAspire.SyncWorker.ClickHouse;
using PolyglotAspire.SyncWorker.Pipeline;

namespace PolyglotAspire.SyncWorker.UnitTests;

/// <summary>
/// Offset bookkeeping of the write stage: insert, dead-letter acknowledgements, sync_state, commit — in that order,
/// only for partitions still owned in the epoch they were consumed in, never past data that was not written, and
/// watermarks that never go backwards.
/// </summary>
public sealed class CommitterTests : IDisposable
{
    private readonly FakeSink _sink = new();
    private readonly FakeOffsets _offsets;
    private readonly FakeDeadLetters _deadLetters = new();
    private readonly PartitionOwnership _ownership = new();
    private readonly OrderBatchPool _pool = new(64 << 10, 4);
    private readonly PipelineStatus _status = new();
    private readonly Committer _committer;
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public CommitterTests()
    {
        _offsets = new FakeOffsets(_sink.Calls);
        var metrics = Doubles.Metrics();
        var retry = Doubles.FastRetry(metrics, _status);
        _committer = new Committer(Channel.CreateUnbounded<OrderBatch>().Reader, new CommitterDemand(), _pool, _sink,
            new WatermarkBook(_sink, _ownership, retry, Topics.OrderEvents, TimeProvider.System, metrics), _offsets, _ownership, _deadLetters,
            retry, Topics.OrderEvents, TimeProvider.System, metrics, NullLogger.Instance);
    }

    private OrderBatch Batch(params (int Partition, long First, long Last, ulong Lsn, long AsOf, int Rows)[] slices)
    {
        var batch = _pool.Rent();
        foreach (var s in slices)
        {
            ref var slice = ref batch.Slice(s.Partition, s.First, _ownership.Current.EpochOf(s.Partition));
            slice.LastOffset = s.Last;
            slice.ObserveHeartbeat(s.Lsn, s.AsOf);
            batch.MessageCount += (int)(s.Last - s.First + 1);
            batch.RowCount += s.Rows;
            batch.Rows.Write(new byte[s.Rows * 10]);
        }

        return batch;
    }

    [Fact]
    public async Task Writes_the_rows_then_the_watermark_then_commits_the_next_offsets()
    {
        _ownership.Assign([0, 1]);
        await _committer.WriteAsync(Batch((0, 0, 9, 100, 1000, 10), (1, 5, 7, 200, 2000, 3)), _ct);

        Assert.Equal(["insert orders 130 bytes", "read sync_state", "sync_state p0=10,p1=8", "commit p0@10,p1@8"], _sink.Calls);
        Assert.Equal("orders.events:0@0-9:1@5-7#", _sink.Tokens.Single()[..^16]);
        Assert.Equal([(0, 100UL, 1000L), (1, 200UL, 2000L)], _sink.StateRows.Select(r => (r.Partition, r.Lsn, r.AsOfMs)));
    }

    [Fact]
    public async Task A_batch_of_heartbeats_only_inserts_no_rows_but_advances_and_commits()
    {
        _ownership.Assign([2]);
        await _committer.WriteAsync(Batch((2, 50, 53, 7000, 9000, 0)), _ct);
        Assert.Equal(["read sync_state", "sync_state p2=54", "commit p2@54"], _sink.Calls);
    }

    [Fact]
    public async Task Owned_partitions_never_written_get_a_zero_row_so_readers_do_not_overstate_freshness()
    {
        _ownership.Assign([0, 1, 2]);
        _sink.Stored[2] = new StoredWatermark(40, 900, 9000); // another worker wrote partition 2 before
        await _committer.WriteAsync(Batch((0, 0, 9, 100, 1000, 10)), _ct);

        Assert.Equal([(0, 10L, 100UL, 1000L), (1, -1L, 0UL, 0L)],
            _sink.StateRows.Select(r => (r.Partition, r.NextOffset, r.Lsn, r.AsOfMs)).OrderBy(r => r.Partition));

        // Once written (or known), no zero row again: the next batch writes only what it touched.
        _sink.StateRows.Clear();
        await _committer.WriteAsync(Batch((0, 10, 19, 200, 2000, 10)), _ct);
        Assert.Equal([0], _sink.StateRows.Select(r => r.Partition));
    }

    [Fact]
    public async Task A_failed_insert_is_retried_with_the_same_token_and_nothing_is_committed_before_it_succeeds()
    {
        _ownership.Assign([0]);
        _sink.FailInserts = 3;
        await _committer.WriteAsync(Batch((0, 0, 99, 1, 1, 100)), _ct);

        Assert.Equal(4, _sink.Tokens.Count);
        Assert.Single(_sink.Tokens.Distinct());
        Assert.Equal(["insert orders failed", "insert orders failed", "insert orders failed", "insert orders 1000 bytes", "read sync_state", "sync_state p0=100", "commit p0@100"], _sink.Calls);
    }

    [Fact]
    public async Task When_ClickHouse_never_comes_back_nothing_is_committed_and_the_barrier_is_abandoned()
    {
        _ownership.Assign([0]);
        _sink.FailInserts = -1;
        var batch = Batch((0, 0, 9, 1, 1, 10));
        var barrier = new FlushRequest();
        batch.Barriers.Add(barrier);
        using var abandon = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _committer.WriteAsync(batch, abandon.Token));
        Assert.True(_sink.Tokens.Count > 3); // it kept retrying
        Assert.DoesNotContain(_sink.Calls, c => c.StartsWith("commit", StringComparison.Ordinal) || c.StartsWith("sync_state", StringComparison.Ordinal));
        Assert.True(barrier.Completion.IsCanceled);
        Assert.NotNull(_status.Snapshot().Retrying);
    }

    [Fact]
    public async Task A_partition_revoked_after_consumption_is_neither_advanced_nor_committed()
    {
        _ownership.Assign([0, 1]);
        var batch = Batch((0, 0, 9, 1, 1, 10), (1, 0, 9, 1, 1, 10));
        _ownership.Revoke([1]);
        await _committer.WriteAsync(batch, _ct);
        Assert.Equal(["insert orders 200 bytes", "read sync_state", "sync_state p0=10", "commit p0@10"], _sink.Calls);
    }

    [Fact]
    public async Task A_partition_reassigned_since_consumption_does_not_commit_the_old_epochs_offsets()
    {
        _ownership.Assign([0]);
        var old = Batch((0, 100, 199, 1, 1, 100));
        _ownership.Revoke([0]);
        _ownership.Assign([0]); // back again, in a new epoch: it restarted from the last commit
        await _committer.WriteAsync(old, _ct);
        Assert.Equal(["insert orders 1000 bytes"], _sink.Calls);

        await _committer.WriteAsync(Batch((0, 0, 49, 1, 1, 50)), _ct);
        Assert.EndsWith("commit p0@50", _sink.Calls[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_watermark_never_goes_backwards_after_a_restart_re_reads_older_events()
    {
        _sink.Stored[0] = new StoredWatermark(500, 10_000, 1_795_600_000_000);
        _ownership.Assign([0]);
        await _committer.WriteAsync(Batch((0, 400, 450, 9_000, 1_795_599_000_000, 51)), _ct); // re-read after a crash before the commit
        var row = _sink.StateRows.Single();
        Assert.Equal((451L, 10_000UL, 1_795_600_000_000L), (row.NextOffset, row.Lsn, row.AsOfMs));

        await _committer.WriteAsync(Batch((0, 451, 460, 12_000, 1_795_600_000_100, 10)), _ct);
        Assert.Equal((12_000UL, 1_795_600_000_100L), (_sink.StateRows[^1].Lsn, _sink.StateRows[^1].AsOfMs));
        Assert.Single(_sink.Calls, "read sync_state"); // read once per assignment, not per batch
    }

    [Fact]
    public async Task A_failed_commit_is_retried_with_the_next_batch()
    {
        _ownership.Assign([0, 1]);
        _offsets.FailNext = 1;
        await _committer.WriteAsync(Batch((0, 0, 9, 1, 1, 10)), _ct);
        await _committer.WriteAsync(Batch((1, 0, 4, 1, 1, 5)), _ct);
        Assert.Equal("commit failed", _sink.Calls[3]);
        Assert.Equal("commit p0@10,p1@5", _sink.Calls[^1]);
    }

    [Fact]
    public async Task Dead_letters_are_acknowledged_before_the_commit_and_re_sent_if_their_produce_failed()
    {
        // Step by step, on a fake clock: "not committed yet" is checked while the committer provably waits.
        var steps = new StepByStep();
        var time = new FakeTimeProvider();
        var metrics = Doubles.Metrics();
        var retry = new RetryPolicy(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10), time, metrics, _status, NullLogger.Instance);
        var committer = new Committer(Channel.CreateUnbounded<OrderBatch>().Reader, new CommitterDemand(), _pool, _sink,
            new WatermarkBook(_sink, _ownership, retry, Topics.OrderEvents, time, metrics), _offsets, _ownership, _deadLetters,
            retry, Topics.OrderEvents, time, metrics, NullLogger.Instance);
        _ownership.Assign([0]);
        var batch = Batch((0, 0, 2, 1, 1, 2));
        var letter = new DeadLetter(0, 1, null, [1, 2, 3], Encoding.DecodeError.NotAnArray, -1)
        {
            Delivery = Task.FromException(new InvalidOperationException("broker down")),
        };
        batch.DeadLetters.Add(letter);
        var ack = new TaskCompletionSource();
        _deadLetters.Outcome = _ => ack.Task;

        var write = steps.Start(() => committer.WriteAsync(batch, CancellationToken.None)); // no token: see StepByStep
        steps.RunUntilIdle();
        Assert.Equal(letter, Assert.Single(_deadLetters.Published)); // re-sent at once ...
        time.Advance(TimeSpan.FromMilliseconds(10));
        steps.RunUntilIdle();                                          // ... and, after the retry delay, waited for
        Assert.DoesNotContain(_sink.Calls, c => c.StartsWith("commit", StringComparison.Ordinal) || c.StartsWith("sync_state", StringComparison.Ordinal));
        Assert.False(write.IsCompleted);

        ack.SetResult();
        await steps.RunUntilCompletedAsync(write);
        await write;
        Assert.Equal("commit p0@3", _sink.Calls[^1]);
    }

    [Fact]
    public async Task A_dead_letter_too_large_for_the_dead_letter_topic_goes_without_its_value_and_the_batch_commits()
    {
        // The DLQ record is base64 JSON, a third bigger than the message that fitted the source topic: a broker that
        // refuses it as too large would be asked again for ever, and nothing after it committed.
        var (producer, broker) = SizeLimitedProducer.Create(maxValueBytes: 4 << 10);
        var committer = new Committer(Channel.CreateUnbounded<OrderBatch>().Reader, new CommitterDemand(), _pool, _sink,
            new WatermarkBook(_sink, _ownership, Doubles.FastRetry(Doubles.Metrics()), Topics.OrderEvents, TimeProvider.System, Doubles.Metrics()),
            _offsets, _ownership, _deadLetters, Doubles.FastRetry(Doubles.Metrics(), _status), Topics.OrderEvents, TimeProvider.System, Doubles.Metrics(), NullLogger.Instance);
        var publisher = new DeadLetterPublisher(producer, Topics.OrderEvents, Topics.OrderEventsDeadLetter, TimeProvider.System);
        _ownership.Assign([0]);
        var batch = Batch((0, 0, 0, 1, 1, 0));
        var letter = new DeadLetter(0, 0, [7], new byte[3_500], Encoding.DecodeError.NotAnArray, -1); // fits 4 KiB; its record does not
        letter.Delivery = publisher.PublishAsync(letter);
        batch.DeadLetters.Add(letter);

        await committer.WriteAsync(batch, _ct).WaitAsync(TimeSpan.FromSeconds(10), _ct);

        Assert.Equal("commit p0@1", _sink.Calls[^1]);
        Assert.Equal(1, broker.Refused);
        var record = System.Text.Json.JsonDocument.Parse(Assert.Single(broker.Accepted)).RootElement;
        Assert.Equal(System.Text.Json.JsonValueKind.Null, record.GetProperty("value").ValueKind);
        Assert.Equal(3_500, record.GetProperty("valueLength").GetInt32());
        Assert.Equal(0, record.GetProperty("offset").GetInt64());
    }

    [Fact]
    public async Task A_barrier_completes_once_its_batch_is_committed()
    {
        _ownership.Assign([0]);
        var batch = Batch((0, 0, 0, 1, 1, 1));
        var barrier = new FlushRequest();
        batch.Barriers.Add(barrier);
        await _committer.WriteAsync(batch, _ct);
        Assert.True(barrier.Completion.IsCompletedSuccessfully);
    }

    [Fact]
    public void The_deduplication_token_is_the_ranges_and_a_content_hash()
    {
        _ownership.Assign([0, 3]);
        var a = Batch((3, 10, 19, 1, 1, 10), (0, 0, 9, 1, 1, 10));
        var b = Batch((0, 0, 9, 1, 1, 10), (3, 10, 19, 1, 1, 10));
        Assert.Equal(a.DeduplicationToken("t"), b.DeduplicationToken("t")); // partitions sorted
        Assert.StartsWith("t:0@0-9:3@10-19#", a.DeduplicationToken("t"), StringComparison.Ordinal);

        b.Rows.Write([1]); // same ranges, other bytes (a recreated topic reusing offsets): another token
        Assert.NotEqual(a.DeduplicationToken("t"), b.DeduplicationToken("t"));
    }

    [Fact]
    public async Task Inserts_overlap_but_commits_follow_batch_order_even_when_a_later_insert_finishes_first()
    {
        _ownership.Assign([0]);
        var steps = new StepByStep();
        var gated = new GatedSink(_sink);
        var channel = new StepChannel<OrderBatch>();
        var metrics = Doubles.Metrics();
        var retry = Doubles.FastRetry(metrics);
        var committer = new Committer(channel.Reader, new CommitterDemand(), _pool, gated,
            new WatermarkBook(gated, _ownership, retry, Topics.OrderEvents, TimeProvider.System, metrics), _offsets, _ownership, _deadLetters,
            retry, Topics.OrderEvents, TimeProvider.System, metrics, NullLogger.Instance);
        var run = steps.Start(() => committer.RunAsync(CancellationToken.None, parallelism: 2)); // no token: see StepByStep

        await channel.Writer.WriteAsync(Batch((0, 0, 9, 1, 1, 10)), _ct);
        await channel.Writer.WriteAsync(Batch((0, 10, 19, 2, 2, 10)), _ct);
        steps.RunUntilIdle();
        var inserts = gated.Inserts.ToArray();
        Assert.Equal(2, inserts.Length); // both inserts are in flight at once

        inserts[1].Gate.SetResult(); // the later batch is written first ...
        steps.RunUntilIdle();
        Assert.Contains("insert orders 100 bytes", _sink.Calls);
        Assert.DoesNotContain(_sink.Calls, c => c.StartsWith("commit", StringComparison.Ordinal)); // ... but not committed past the earlier one

        inserts[0].Gate.SetResult();
        channel.Writer.Complete();
        await steps.RunUntilCompletedAsync(run);
        await run;
        Assert.Equal(["commit p0@10", "commit p0@20"], _sink.Calls.Where(c => c.StartsWith("commit", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task The_committer_says_it_waits_for_a_batch_exactly_while_it_has_room_for_another_insert(int parallelism)
    {
        _ownership.Assign([0]);
        var steps = new StepByStep();
        var gated = new GatedSink(_sink);
        var channel = new StepChannel<OrderBatch>();
        var demand = new CommitterDemand(synchronousContinuations: true);
        var metrics = Doubles.Metrics();
        var retry = Doubles.FastRetry(metrics);
        var committer = new Committer(channel.Reader, demand, _pool, gated,
            new WatermarkBook(gated, _ownership, retry, Topics.OrderEvents, TimeProvider.System, metrics), _offsets, _ownership, _deadLetters,
            retry, Topics.OrderEvents, TimeProvider.System, metrics, NullLogger.Instance);
        var run = steps.Start(() => committer.RunAsync(CancellationToken.None, parallelism)); // no token: see StepByStep
        steps.RunUntilIdle();
        Assert.True(demand.IsReady);

        for (var i = 0; i < parallelism; i++)
        {
            await channel.Writer.WriteAsync(Batch((0, i * 10L, i * 10L + 9, (ulong)i + 1, i + 1L, 10)), _ct);
            steps.RunUntilIdle();
        }

        Assert.False(demand.IsReady); // every insert slot is taken
        var waiting = demand.WhenReadyAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        foreach (var insert in gated.Inserts.ToArray())
        {
            insert.Gate.SetResult();
        }

        steps.RunUntilIdle();
        Assert.True(demand.IsReady); // written, recorded and committed: it waits for the next batch
        Assert.True(waiting.IsCompletedSuccessfully);
        channel.Writer.Complete();
        await steps.RunUntilCompletedAsync(run);
        await run;
    }

    public void Dispose() => _pool.Dispose();
}
