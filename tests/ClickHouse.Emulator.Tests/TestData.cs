using System.Buffers.Binary;
using ClickHouse.Driver;

namespace ClickHouse.Emulator.Tests;

internal static class TestData
{
    /// <summary>A database of its own per test, so tests can run in parallel on the one engine.</summary>
    public static async Task<string> CreateDatabaseAsync(ClickHouseClient client)
    {
        var name = "test_" + Guid.NewGuid().ToString("N")[..12];
        await client.ExecuteNonQueryAsync($"CREATE DATABASE {name}", cancellationToken: TestContext.Current.CancellationToken);
        return name;
    }

    public static async Task<T> ScalarAsync<T>(ClickHouseClient client, string sql, QueryOptions? options = null)
    {
        var value = await client.ExecuteScalarAsync(sql, options: options, cancellationToken: TestContext.Current.CancellationToken);
        return (T)Convert.ChangeType(value!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// RowBinary rows <c>(id UInt64, value Int64)</c> = (first + i, (first + i) * 3 - 7), produced on the fly
/// so a million-row upload is never materialized on the client either.
/// </summary>
internal sealed class RowBinaryStream(long first, long rows) : Stream
{
    private const int RowSize = 16;
    private long next;
    private readonly byte[] pending = new byte[RowSize];
    private int pendingOffset = RowSize;

    public static long Value(long id) => (id * 3) - 7;

    public override int Read(Span<byte> buffer)
    {
        var written = 0;
        while (written < buffer.Length)
        {
            if (pendingOffset < RowSize)
            {
                var n = Math.Min(RowSize - pendingOffset, buffer.Length - written);
                pending.AsSpan(pendingOffset, n).CopyTo(buffer[written..]);
                pendingOffset += n;
                written += n;
                continue;
            }

            if (next == rows)
            {
                break;
            }

            var id = first + next++;
            if (buffer.Length - written >= RowSize)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(buffer[written..], (ulong)id);
                BinaryPrimitives.WriteInt64LittleEndian(buffer[(written + 8)..], Value(id));
                written += RowSize;
            }
            else
            {
                BinaryPrimitives.WriteUInt64LittleEndian(pending, (ulong)id);
                BinaryPrimitives.WriteInt64LittleEndian(pending.AsSpan(8), Value(id));
                pendingOffset = 0;
            }
        }

        return written;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
