using PolyglotAspire.OrdersApi.Capture;

namespace PolyglotAspire.OrdersApi.UnitTests;

public sealed class OutboxStreamDecoderTests
{
    private static readonly DateTime CommitTime = new(2026, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc);
    private static readonly Guid First = Guid.CreateVersion7(), Second = Guid.CreateVersion7(), Third = Guid.CreateVersion7();

    [Fact]
    public void A_transaction_comes_out_at_its_commit_with_its_end_LSN_and_commit_time()
    {
        var decoder = new OutboxStreamDecoder();
        Assert.Null(decoder.Decode(new WalMessage.Begin()));
        Assert.Null(decoder.Decode(new WalMessage.OutboxInsert(First, [1])));
        Assert.Null(decoder.Decode(new WalMessage.OutboxInsert(Second, [2])));

        var transaction = Assert.IsType<CapturedTransaction>(decoder.Decode(new WalMessage.Commit(500, CommitTime)));
        Assert.Equal(500UL, transaction.CommitLsn);
        Assert.Equal(new DateTimeOffset(CommitTime).ToUnixTimeMilliseconds(), transaction.CommitTimeMs);
        Assert.Equal([new CapturedEvent(First, [1]), new CapturedEvent(Second, [2])], transaction.Events, (a, b) => a.OrderId == b.OrderId && a.Payload.SequenceEqual(b.Payload));
    }

    [Fact]
    public void Each_transaction_holds_only_its_own_rows()
    {
        var decoder = new OutboxStreamDecoder();
        decoder.Decode(new WalMessage.Begin());
        decoder.Decode(new WalMessage.OutboxInsert(First, [1]));
        var first = Assert.IsType<CapturedTransaction>(decoder.Decode(new WalMessage.Commit(100, CommitTime)));
        decoder.Decode(new WalMessage.Begin());
        decoder.Decode(new WalMessage.OutboxInsert(Third, [3]));
        var second = Assert.IsType<CapturedTransaction>(decoder.Decode(new WalMessage.Commit(200, CommitTime)));

        Assert.Equal([First], first.Events.Select(e => e.OrderId));
        Assert.Equal([Third], second.Events.Select(e => e.OrderId));
    }

    [Fact]
    public void A_transaction_without_outbox_rows_still_completes_so_the_slot_can_move_past_it()
    {
        var decoder = new OutboxStreamDecoder();
        decoder.Decode(new WalMessage.Begin());
        var empty = Assert.IsType<CapturedTransaction>(decoder.Decode(new WalMessage.Commit(300, CommitTime)));
        Assert.Equal(300UL, empty.CommitLsn);
        Assert.Empty(empty.Events);
    }

    [Fact]
    public void Rows_and_commits_outside_a_transaction_are_ignored()
    {
        var decoder = new OutboxStreamDecoder();
        Assert.Null(decoder.Decode(new WalMessage.OutboxInsert(First, [1])));
        Assert.Null(decoder.Decode(new WalMessage.Commit(100, CommitTime)));

        decoder.Decode(new WalMessage.Begin());
        decoder.Decode(new WalMessage.OutboxInsert(Second, [2]));
        decoder.Decode(new WalMessage.Commit(200, CommitTime));
        Assert.Null(decoder.Decode(new WalMessage.Commit(201, CommitTime))); // a second COMMIT closes nothing
    }

    [Fact]
    public void A_heartbeat_carries_its_LSN_and_source_time()
    {
        var decoder = new OutboxStreamDecoder();
        Assert.Equal(new CapturedHeartbeat(900, 1_767_323_045_678), decoder.Decode(new WalMessage.Heartbeat(900, "1767323045678")));
        Assert.Null(decoder.Decode(new WalMessage.Heartbeat(901, "not a time")));
    }

    [Fact]
    public void An_outbox_row_without_payload_stops_the_session()
    {
        var decoder = new OutboxStreamDecoder();
        decoder.Decode(new WalMessage.Begin());
        Assert.Throws<InvalidDataException>(() => decoder.Decode(new WalMessage.OutboxInsert(First, null)));
    }
}
