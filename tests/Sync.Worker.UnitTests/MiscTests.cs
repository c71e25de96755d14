using System.Diagnostics;
using System.Text.Json;
using PolyglotAspire.Contracts;
using PolyglotAspire.SyncWorker.ClickHouse;
using PolyglotAspire.SyncWorker.Encoding;
using PolyglotAspire.SyncWorker.Pipeline;
using PolyglotAspire.SyncWorker.Telemetry;

namespace PolyglotAspire.SyncWorker.UnitTests;

public sealed class OptionsTests
{
    [Fact]
    public void The_defaults_are_valid()
    {
        Assert.True(new SyncWorkerOptionsValidator().Validate(null, new SyncWorkerOptions()).Succeeded);
    }

    [Fact]
    public void Nonsense_is_refused_at_start_with_the_setting_named()
    {
        var result = new SyncWorkerOptionsValidator().Validate(null, new SyncWorkerOptions
        {
            BatchMaxRows = 0,
            BatchMaxBytes = 10,
            BatchMaxAge = TimeSpan.Zero,
            BatchLinger = TimeSpan.FromSeconds(1), // longer than the maximum age
            ChannelCapacity = 0,
            RetryInitialDelay = TimeSpan.FromSeconds(10),
            RetryMaxDelay = TimeSpan.FromSeconds(1),
            DeadLetterTopic = Topics.OrderEvents,
            ClickHouseCluster = "a`b",
        });
        Assert.True(result.Failed);
        foreach (var setting in new[] { "BatchMaxRows", "BatchMaxBytes", "BatchMaxAge", "BatchLinger", "ChannelCapacity", "RetryMaxDelay", "DeadLetterTopic", "ClickHouseCluster" })
        {
            Assert.Contains(result.Failures!, f => f.StartsWith("SyncWorker:" + setting, StringComparison.Ordinal));
        }
    }
}

public sealed class DeadLetterFormatTests
{
    [Fact]
    public void A_dead_letter_carries_its_source_reason_and_original_bytes()
    {
        var letter = new DeadLetter(2, 1234, [0xAA, 0xBB], [0x91, 0x02, 0xFF], DecodeError.UnsupportedSchemaVersion, 0);
        var json = DeadLetterPublisher.Serialize(letter, Topics.OrderEvents, new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal("polyglot.dead-letter/1", root.GetProperty("format").GetString());
        Assert.Equal("orders.events", root.GetProperty("topic").GetString());
        Assert.Equal(2, root.GetProperty("partition").GetInt32());
        Assert.Equal(1234, root.GetProperty("offset").GetInt64());
        Assert.Equal("sync-worker", root.GetProperty("consumerGroup").GetString());
        Assert.Equal("unsupported_schema_version", root.GetProperty("reason").GetString());
        Assert.Equal("SchemaVersion", root.GetProperty("fieldName").GetString());
        Assert.Equal("2026-11-25T10:00:00.0000000Z", root.GetProperty("deadLetteredAt").GetString());
        Assert.Equal([0xAA, 0xBB], root.GetProperty("key").GetBytesFromBase64());
        Assert.Equal([0x91, 0x02, 0xFF], root.GetProperty("value").GetBytesFromBase64());

        var keyless = JsonDocument.Parse(DeadLetterPublisher.Serialize(letter with { Key = null, Field = -1 }, Topics.OrderEvents, DateTimeOffset.UnixEpoch));
        Assert.Equal(JsonValueKind.Null, keyless.RootElement.GetProperty("key").ValueKind);
        Assert.False(keyless.RootElement.TryGetProperty("field", out _));
    }
}

public sealed class TraceParentTests
{
    [Fact]
    public void A_valid_traceparent_becomes_a_remote_context()
    {
        Assert.True(TraceParent.TryParse("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"u8, out var context));
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", context.TraceId.ToHexString());
        Assert.Equal("b7ad6b7169203331", context.SpanId.ToHexString());
        Assert.Equal(ActivityTraceFlags.Recorded, context.TraceFlags);
        Assert.True(context.IsRemote);
    }

    [Theory]
    [InlineData("")]
    [InlineData("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]
    [InlineData("00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01")]
    [InlineData("00-00000000000000000000000000000000-b7ad6b7169203331-01")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0")]
    public void Anything_else_is_ignored(string text)
    {
        Assert.False(TraceParent.TryParse(System.Text.Encoding.UTF8.GetBytes(text), out _));
    }
}

public sealed class RowBinaryBufferTests
{
    [Fact]
    public async Task Streams_exactly_what_was_written_across_chunks_by_read_and_by_copy()
    {
        using var buffer = new RowBinaryBuffer(4096);
        var expected = new byte[50_000];
        new Random(5).NextBytes(expected);
        for (var i = 0; i < expected.Length; i += 333)
        {
            buffer.Write(expected.AsSpan(i, Math.Min(333, expected.Length - i)));
        }

        Assert.Equal(expected.Length, buffer.Length);
        Assert.True(buffer.ChunkCount > 10);

        using var copied = new MemoryStream();
        await using (var stream = buffer.OpenRead())
        {
            await stream.CopyToAsync(copied, TestContext.Current.CancellationToken);
        }

        Assert.Equal(expected, copied.ToArray());

        await using var read = buffer.OpenRead();
        var back = new byte[expected.Length];
        var total = 0;
        int n;
        while ((n = read.Read(back, total, Math.Min(1000, back.Length - total))) > 0)
        {
            total += n;
        }

        Assert.Equal(expected, back);
        Assert.Equal(expected.Length, read.Length);

        buffer.Reset();
        Assert.Equal(0, buffer.Length);
        Assert.Equal(1, buffer.ChunkCount); // keeps its first chunk for the next batch
    }
}

public sealed class OwnershipTests
{
    [Fact]
    public void Each_assignment_gets_a_new_epoch_and_revocation_ends_it()
    {
        var ownership = new PartitionOwnership();
        ownership.Assign([0, 1]);
        var first = ownership.Current.EpochOf(0);
        Assert.True(ownership.StillOwns(0, first));
        Assert.False(ownership.StillOwns(5, first));

        var before = ownership.Current;
        ownership.Revoke([0]);
        Assert.False(ownership.StillOwns(0, first));
        Assert.True(ownership.StillOwns(1, first));
        Assert.Equal(first, before.EpochOf(0)); // snapshots are immutable

        ownership.Assign([0]);
        Assert.False(ownership.StillOwns(0, first));
        Assert.True(ownership.StillOwns(0, ownership.Current.EpochOf(0)));
        Assert.Equal([0, 1], ownership.Current.OwnedPartitions);
    }
}

public sealed class SyncStateEncodingTests(EngineFixture engine)
{
    [Fact]
    public async Task A_long_topic_name_round_trips()
    {
        using var client = await engine.CreateDatabaseAsync();
        await TestSchema.MigrateAsync(client, TestContext.Current.CancellationToken);
        var sink = new ClickHouseSink(client, null, false);
        var topic = new string('t', 300); // a two-byte length varint
        await sink.InsertSyncStateAsync([new SyncStateRow(topic, 1, 2, 3, 4, 5)], TestContext.Current.CancellationToken);
        Assert.Equal(new StoredWatermark(2, 3, 4), (await sink.ReadSyncStateAsync(topic, TestContext.Current.CancellationToken))[1]);
    }
}
