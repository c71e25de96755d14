using System.Buffers;
using BenchmarkDotNet.Attributes;
using PolyglotAspire.Contracts;

namespace PolyglotAspire.Benchmarks;

/// <summary>Encoding and decoding the <see cref="OrderEvent"/> envelope with the shared MessagePack options.</summary>
[MemoryDiagnoser]
public class EnvelopeBenchmarks
{
    private readonly ArrayBufferWriter<byte> _buffer = new(512);
    private OrderEvent _event = null!;
    private byte[] _bytes = null!;

    [GlobalSetup]
    public void Setup()
    {
        _event = new OrderEvent
        {
            EventId = Guid.NewGuid(),
            EventType = OrderEventType.Created,
            OrderId = Guid.NewGuid(),
            OrderVersion = 1,
            CommitLsn = 0x1_6B37_4D48,
            CommitTimeMs = 1_795_600_000_000,
            CustomerId = "C-0042917",
            Region = "eu-west",
            Currency = "EUR",
            Status = "new",
            TotalCents = 1_234_56,
            CreatedAtMs = 1_795_599_999_000,
            LineCount = 3,
            TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        };
        _bytes = OrderEventSerializer.Serialize(_event);
    }

    [Benchmark(Description = "encode into a reused buffer")]
    [BenchmarkCategory(Categories.ZeroAllocation)]
    public int Encode()
    {
        _buffer.ResetWrittenCount();
        OrderEventSerializer.Serialize(_buffer, _event);
        return _buffer.WrittenCount;
    }

    [Benchmark(Description = "decode to an OrderEvent object")]
    public OrderEvent Decode() => OrderEventSerializer.Deserialize(_bytes);
}
