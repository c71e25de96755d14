using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using PolyglotAspire.SyncWorker.Pipeline;

namespace PolyglotAspire.SyncWorker.UnitTests;

/// <summary>
/// The consume loop's end of the block channel: blocks leave in the order they were sealed, a wait for room ends at
/// its deadline or on abandon, and what is given up goes back to the pool.
/// </summary>
public sealed class BlockHandOffTests
{
    private readonly Channel<RawBlock> _channel = Channel.CreateBounded<RawBlock>(2);
    private readonly RawBlockPool _pool = new(4096, 16, maxPooled: 16);
    private readonly PartitionOwnership _ownership = new();
    private readonly RawBlockDeserializer _deserializer = new();
    private readonly FakeTimeProvider _time = new();
    private readonly BlockHandOff _handOff;

    public BlockHandOffTests()
    {
        _handOff = new BlockHandOff(_channel.Writer, _pool, _ownership, _deserializer, _time);
        _ownership.Assign([0]);
        _handOff.Open();
    }

    /// <summary>Adds one message (offset <paramref name="offset"/> of partition 0) to the block being filled, then seals it.</summary>
    private RawBlock SealOne(long offset)
    {
        var block = _handOff.Current;
        block.Add(0, offset, RawRef.Null, block.Append([1, 2, 3]), _time.GetTimestamp());
        _handOff.Seal();
        return block;
    }

    [Fact]
    public void Blocks_leave_in_the_order_they_were_sealed_as_far_as_the_channel_takes_them()
    {
        var first = SealOne(0);
        _handOff.Seal(); // an empty block is never handed over
        var second = SealOne(1);
        var barrier = new FlushRequest();
        _handOff.Enqueue(barrier);

        Assert.False(_handOff.TryDeliver()); // room for two
        Assert.True(_channel.Reader.TryRead(out var a));
        Assert.True(_channel.Reader.TryRead(out var b));
        Assert.Equal([first, second], [a, b]);

        Assert.True(_handOff.TryDeliver());
        Assert.True(_channel.Reader.TryRead(out var control));
        Assert.Same(barrier, control.Flush);
        Assert.Equal(0, control.Count);
    }

    [Fact]
    public void A_new_block_is_the_deserializers_target_under_the_ownership_current_when_it_starts()
    {
        var before = _ownership.Current;
        SealOne(0);
        Assert.Same(_handOff.Current, _deserializer.Target);
        Assert.Same(before, _handOff.Current.Ownership);

        _ownership.Assign([1]);
        SealOne(1);
        Assert.Same(_ownership.Current, _handOff.Current.Ownership);
    }

    [Fact]
    public async Task A_wait_for_room_ends_with_the_room_or_at_its_deadline()
    {
        SealOne(0);
        SealOne(1);
        SealOne(2);
        Assert.False(_handOff.TryDeliver());

        // Room comes while it waits: delivered.
        var deadline = _time.GetUtcNow() + TimeSpan.FromSeconds(1);
        var waiting = Task.Run(() => _handOff.DeliverBefore(deadline, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.False(waiting.IsCompleted);
        Assert.True(_channel.Reader.TryRead(out _));
        Assert.True(await waiting);
        Assert.Equal(2, _channel.Reader.Count);

        // No room, and the deadline passes: given up (the caller decides what then).
        SealOne(3);
        waiting = Task.Run(() => _handOff.DeliverBefore(_time.GetUtcNow() + TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken),
            TestContext.Current.CancellationToken);
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.False(waiting.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(await waiting);
    }

    [Fact]
    public void Abandoned_a_wait_ends_at_once_and_dropped_blocks_go_back_to_the_pool()
    {
        SealOne(0);
        SealOne(1);
        var third = SealOne(2);
        using var abandon = new CancellationTokenSource();
        abandon.Cancel();
        Assert.False(_handOff.DeliverBefore(_time.GetUtcNow() + TimeSpan.FromHours(1), abandon.Token));

        _handOff.DropPending();
        Assert.True(_handOff.TryDeliver()); // nothing left
        Assert.Same(third, _pool.Rent()); // the pool hands the dropped block out again, reset
        Assert.Equal(0, third.Count);
    }
}
