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
        var buffer = new ArrayBufferWriter<byte>(512);

        var allocated = Allocations.Measure(Times, _ =>
        {
            buffer.ResetWrittenCount();
            OrderEventSerializer.Serialize(buffer, OrderEventTests.Sample);
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
