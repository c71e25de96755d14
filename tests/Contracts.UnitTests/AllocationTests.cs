using System.Buffers;
using PolyglotAspire.Testing;

namespace PolyglotAspire.Contracts.UnitTests;

/// <summary>
/// Zero-allocation claims of the contracts, checked exactly: encoding an envelope into a reused buffer (the relay's
/// per-event path; EnvelopeBenchmarks times it) and parsing a read's consistency token.
/// </summary>
public sealed class AllocationTests
{
    private const int Times = 10_000;

    [Fact]
    public void Encoding_an_envelope_into_a_reused_buffer_allocates_nothing()
    {
        var envelope = new OrderEvent
        {
            EventId = Guid.NewGuid(),
            EventType = OrderEventType.Created,
            OrderId = Guid.NewGuid(),
            OrderVersion = 1,
            CommitLsn = 0x16_B374_D848,
            CommitTimeMs = 1_795_600_000_000,
            CustomerId = "C-0042917",
            Region = "eu-west",
            Currency = "EUR",
            Status = "new",
            TotalCents = 123_456,
            CreatedAtMs = 1_795_599_999_000,
            LineCount = 3,
            TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        };
        var buffer = new ArrayBufferWriter<byte>(512);

        var allocated = Allocations.Measure(Times, _ =>
        {
            buffer.ResetWrittenCount();
            OrderEventSerializer.Serialize(buffer, envelope);
        });

        Assert.True(buffer.WrittenCount > 0);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Parsing_a_consistency_token_allocates_nothing()
    {
        var text = new ConsistencyToken(0x16_B374_D848).ToString();
        var parsed = 0;

        var allocated = Allocations.Measure(Times, _ => parsed += ConsistencyToken.TryParse(text, out var token) && token.Lsn > 0 ? 1 : 0);

        Assert.Equal(2 * Times, parsed);
        Assert.Equal(0, allocated);
    }
}
