using System.Buffers;
using System.IO.Hashing;

namespace PolyglotAspire.SyncWorker.ClickHouse;

/// <summary>
/// A batch's RowBinary, written into pooled chunks (<see cref="ArrayPool{T}"/>) and streamed to ClickHouse from
/// them without a copy into one big array. Reused from batch to batch: in steady state it allocates nothing.
/// A writer reserves a row's maximum size with <see cref="GetSpan"/> and commits what it used with
/// <see cref="Advance"/>, so a rejected message leaves no trace.
/// </summary>
internal sealed class RowBinaryBuffer : IBufferWriter<byte>, IDisposable
{
    private readonly ArrayPool<byte> _pool;
    private readonly int _chunkSize;
    private byte[][] _chunks = new byte[8][];
    private int[] _lengths = new int[8];
    private int _count;

    public RowBinaryBuffer(int chunkSize = 1 << 20, ArrayPool<byte>? pool = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 4096);
        _chunkSize = chunkSize;
        _pool = pool ?? ArrayPool<byte>.Shared;
    }

    /// <summary>Bytes written so far.</summary>
    public long Length { get; private set; }

    public int ChunkCount => _count;

    public Span<byte> GetSpan(int sizeHint = 0) => Current(sizeHint).AsSpan(_lengths[_count - 1]);

    public Memory<byte> GetMemory(int sizeHint = 0) => Current(sizeHint).AsMemory(_lengths[_count - 1]);

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var last = _count - 1;
        if (last < 0 || _lengths[last] + count > _chunks[last].Length)
        {
            throw new InvalidOperationException("Advanced past the span handed out.");
        }

        _lengths[last] += count;
        Length += count;
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        Advance(bytes.Length);
    }

    /// <summary>XxHash3 of the content: part of the insert deduplication token.</summary>
    public ulong ContentHash()
    {
        var hash = new XxHash3();
        for (var i = 0; i < _count; i++)
        {
            hash.Append(_chunks[i].AsSpan(0, _lengths[i]));
        }

        return hash.GetCurrentHashAsUInt64();
    }

    /// <summary>
    /// A read-only, seekable view of the content for one HTTP request (the driver disposes it; the chunks stay
    /// here, so a retry sends the same bytes again).
    /// </summary>
    public Stream OpenRead() => new ChunkStream(this);

    /// <summary>Returns every chunk but the first to the pool and empties the buffer.</summary>
    public void Reset()
    {
        for (var i = 1; i < _count; i++)
        {
            _pool.Return(_chunks[i]);
            _chunks[i] = null!;
        }

        _count = Math.Min(_count, 1);
        if (_count == 1)
        {
            _lengths[0] = 0;
        }

        Length = 0;
    }

    public void Dispose()
    {
        Reset();
        if (_count == 1)
        {
            _pool.Return(_chunks[0]);
            _chunks[0] = null!;
            _count = 0;
        }
    }

    private byte[] Current(int sizeHint)
    {
        sizeHint = Math.Max(sizeHint, 1);
        if (_count > 0 && _chunks[_count - 1].Length - _lengths[_count - 1] >= sizeHint)
        {
            return _chunks[_count - 1];
        }

        if (_count == _chunks.Length)
        {
            Array.Resize(ref _chunks, _count * 2);
            Array.Resize(ref _lengths, _count * 2);
        }

        var chunk = _pool.Rent(Math.Max(_chunkSize, sizeHint));
        _chunks[_count] = chunk;
        _lengths[_count] = 0;
        _count++;
        return chunk;
    }

    /// <summary>Reads the chunks in order; <see cref="CopyToAsync(Stream, int, CancellationToken)"/> writes them with no copy.</summary>
    private sealed class ChunkStream(RowBinaryBuffer buffer) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => buffer.Length;

        public override long Position
        {
            get => _position;
            set => _position = value is >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
        }

        public override int Read(byte[] array, int offset, int count) => Read(array.AsSpan(offset, count));

        public override int Read(Span<byte> destination)
        {
            var written = 0;
            var (chunk, within) = Locate(_position);
            while (written < destination.Length && chunk < buffer._count)
            {
                var available = buffer._lengths[chunk] - within;
                var n = Math.Min(available, destination.Length - written);
                buffer._chunks[chunk].AsSpan(within, n).CopyTo(destination[written..]);
                written += n;
                within += n;
                if (within == buffer._lengths[chunk])
                {
                    chunk++;
                    within = 0;
                }
            }

            _position += written;
            return written;
        }

        public override Task<int> ReadAsync(byte[] array, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(array.AsSpan(offset, count)));

        public override ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(destination.Span));

        public override async Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken)
        {
            var (chunk, within) = Locate(_position);
            for (; chunk < buffer._count; chunk++, within = 0)
            {
                var length = buffer._lengths[chunk] - within;
                if (length > 0)
                {
                    await destination.WriteAsync(buffer._chunks[chunk].AsMemory(within, length), cancellationToken);
                }
            }

            _position = buffer.Length;
        }

        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => buffer.Length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] array, int offset, int count) => throw new NotSupportedException();

        private (int Chunk, int Within) Locate(long position)
        {
            var chunk = 0;
            while (chunk < buffer._count && position >= buffer._lengths[chunk])
            {
                position -= buffer._lengths[chunk];
                chunk++;
            }

            return (chunk, (int)position);
        }
    }
}
