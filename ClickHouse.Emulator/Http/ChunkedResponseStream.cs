using System.Globalization;
using System.Text;

namespace ClickHouse.Emulator.Http;

/// <summary>
/// Writes an HTTP/1.1 response body with chunked framing done here instead of by Kestrel (which
/// leaves the framing to the application when it sets <c>Transfer-Encoding: chunked</c> itself).
/// <para>
/// Why: when a query fails after its response has started, ClickHouse writes the error into the
/// body and closes the connection without the final chunk, so clients see a body that ends
/// prematurely rather than a short, seemingly complete one. Kestrel can only cut a response it
/// frames itself by aborting, and its abort resets the socket, which makes the client's kernel drop
/// the unread tail of the response, error text included. With the framing here, a failed response
/// simply omits the last chunk and the connection is closed gracefully after it.
/// </para>
/// </summary>
internal sealed class ChunkedResponseStream(Stream body) : Stream
{
    private static readonly byte[] Crlf = "\r\n"u8.ToArray();
    private static readonly byte[] LastChunk = "0\r\n\r\n"u8.ToArray();

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return; // an empty chunk would end the body
        }

        await body.WriteAsync(Encoding.ASCII.GetBytes(buffer.Length.ToString("X", CultureInfo.InvariantCulture) + "\r\n"), cancellationToken);
        await body.WriteAsync(buffer, cancellationToken);
        await body.WriteAsync(Crlf, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken) => body.FlushAsync(cancellationToken);

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>Ends the body properly.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        await body.WriteAsync(LastChunk, cancellationToken);
        await body.FlushAsync(cancellationToken);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
