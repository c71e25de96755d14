using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ClickHouse.Emulator.ChDb;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Options;

namespace ClickHouse.Emulator.Http;

/// <summary>
/// ClickHouse's HTTP query interface (<c>GET|POST /</c>) in front of the chDB engine: reads the
/// request the way ClickHouse does (URL <c>query</c> + body, settings, <c>param_*</c>, content
/// codings), runs it on a session leased from <see cref="ChDbEngine"/>, and answers with ClickHouse's
/// headers, status codes and error bodies.
/// </summary>
internal sealed partial class ClickHouseHttpHandler
{
    private static readonly string DisplayName = Environment.MachineName;
    private static readonly ReadOnlyMemory<byte> OkBody = "Ok.\n"u8.ToArray();

    private readonly ChDbEngine engine;
    private readonly ChDbOptions options;
    private readonly ILogger<ClickHouseHttpHandler> logger;

    public ClickHouseHttpHandler(ChDbEngine engine, IOptions<ChDbOptions> options, ILogger<ClickHouseHttpHandler> logger)
    {
        this.engine = engine;
        this.options = options.Value;
        this.logger = logger;
    }

    /// <summary>Body of <c>GET /ping</c> and of <c>GET /</c> without a query, like ClickHouse.</summary>
    public static Task WriteOkAsync(HttpContext context)
    {
        context.Response.ContentType = "text/html; charset=UTF-8";
        return context.Response.Body.WriteAsync(OkBody, context.RequestAborted).AsTask();
    }

    public async Task HandleAsync(HttpContext context)
    {
        var response = context.Response;
        var cancellationToken = context.RequestAborted;
        var queryId = string.Empty;
        try
        {
            var request = await ClickHouseRequest.ParseAsync(context.Request, cancellationToken);
            queryId = request.QueryId;
            response.Headers["X-ClickHouse-Server-Display-Name"] = DisplayName;
            response.Headers["X-ClickHouse-Query-Id"] = request.QueryId;
            response.Headers["X-ClickHouse-Timezone"] = TimezoneOf(request);

            if (HttpMethods.IsGet(context.Request.Method) && request.Query is null)
            {
                await WriteOkAsync(context);
                return;
            }

            if (request.SessionId is not null)
            {
                throw ChDbException.Create(48, "NOT_IMPLEMENTED", "HTTP sessions (session_id) are not supported by ClickHouse.Emulator; every request is its own session");
            }

            await ExecuteAsync(context, request, cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && (cancellationToken.IsCancellationRequested || response.HasStarted))
        {
            // The client went away; the statement was cancelled with it.
            Log.ClientAborted(logger, queryId);
        }
        catch (ChDbException ex) when (!response.HasStarted)
        {
            Log.QueryFailed(logger, queryId, ex.Code, ex.Message);
            await WriteErrorAsync(response, ex.Code, ex.Message, cancellationToken);
        }
        catch (Exception ex) when (!response.HasStarted && !cancellationToken.IsCancellationRequested && ex is InvalidDataException or IOException or ZstdSharp.ZstdException or BadHttpRequestException)
        {
            // A corrupt compressed body or a broken upload: ClickHouse reports those as its own errors.
            Log.QueryFailed(logger, queryId, ChDbException.UnknownException, ex.Message);
            await WriteErrorAsync(response, ChDbException.UnknownException, $"Code: {ChDbException.UnknownException}. DB::Exception: Cannot read the request body: {ex.Message}. (UNKNOWN_EXCEPTION)", cancellationToken);
        }
    }

    private async Task ExecuteAsync(HttpContext context, ClickHouseRequest request, CancellationToken cancellationToken)
    {
        await using var body = request.BodyConsumed
            ? Stream.Null
            : HttpCompression.DecodeRequest(context.Request.Body, context.Request.Headers.ContentEncoding);

        // ClickHouse reads the statement from the URL query followed by a newline and the body, up to
        // max_query_size bytes; for an INSERT, whatever follows "FORMAT x" is the data.
        var prefix = request.Query is null ? 0 : Encoding.UTF8.GetByteCount(request.Query) + 1;
        var head = ArrayPool<byte>.Shared.Rent(prefix + request.MaxQuerySize + 1);
        try
        {
            if (request.Query is not null)
            {
                Encoding.UTF8.GetBytes(request.Query, head);
                head[prefix - 1] = (byte)'\n';
            }

            var read = await ReadFullyAsync(body, head.AsMemory(prefix, head.Length - prefix), cancellationToken);
            var length = prefix + read;
            var complete = length < head.Length;
            if (complete && !request.BodyConsumed)
            {
                await DrainAsync(context.Request, cancellationToken);
            }

            var scan = QueryScanner.Scan(head.AsSpan(0, length), complete);
            if (scan.Incomplete || (!complete && scan.Kind != StatementKind.InsertWithData))
            {
                throw ChDbException.Create(62, "SYNTAX_ERROR", $"Max query size exceeded (max_query_size = {request.MaxQuerySize}); send INSERT data after the FORMAT clause, or raise max_query_size");
            }

            using var lease = await engine.LeaseAsync(request.Profile, cancellationToken);

            // SET/USE/temporary tables last for the request only, as in ClickHouse without session_id.
            lease.Discard = scan.Kind == StatementKind.SessionChange || request.Profile.IsSingleUse;
            switch (scan.Kind)
            {
                case StatementKind.InsertWithData:
                    await InsertAsync(context, request, lease.Connection, head, length, scan, body, complete, cancellationToken);
                    break;
                case StatementKind.Select when !request.WaitEndOfQuery && StreamingFormats.CanStream(scan.Format ?? request.DefaultFormat, request.BinaryEncodedTypes):
                    await StreamSelectAsync(context, request, lease.Connection, head.AsMemory(0, length), scan.Format ?? request.DefaultFormat, cancellationToken);
                    break;
                default:
                    await RunBufferedAsync(context, request, lease.Connection, head.AsMemory(0, length), scan.Format, cancellationToken);
                    break;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(head);
        }
    }

    /// <summary>
    /// Streams the request body into a chDB streaming insert in bounded chunks: memory use is one
    /// pooled chunk however large the upload is.
    /// </summary>
    private async Task InsertAsync(
        HttpContext context,
        ClickHouseRequest request,
        ChDbConnection connection,
        byte[] head,
        int length,
        ScannedQuery scan,
        Stream body,
        bool bodyDone,
        CancellationToken cancellationToken)
    {
        // chDB appends "FORMAT x" itself; the newline keeps a trailing "-- comment" from swallowing it.
        var statement = head.AsSpan(0, scan.QueryEnd).TrimEnd(" \t\r\n"u8);
        var sql = new byte[statement.Length + 1];
        statement.CopyTo(sql);
        sql[^1] = (byte)'\n';

        using var insert = connection.BeginInsert(sql, scan.Format!, request.Parameters);
        insert.Append(head.AsSpan(scan.DataStart, length - scan.DataStart));
        var bytes = (long)(length - scan.DataStart);

        if (!bodyDone)
        {
            var chunk = ArrayPool<byte>.Shared.Rent(options.InsertChunkBytes);
            try
            {
                while (true)
                {
                    var read = await ReadFullyAsync(body, chunk.AsMemory(0, options.InsertChunkBytes), cancellationToken);
                    insert.Append(chunk.AsSpan(0, read));
                    bytes += read;
                    if (read < options.InsertChunkBytes)
                    {
                        break;
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }

            await DrainAsync(context.Request, cancellationToken);
        }

        var stats = insert.Complete();
        Log.InsertCompleted(logger, request.QueryId, stats.WrittenRows, bytes);
        WriteSuccessHeaders(context.Response, request.DefaultFormat, stats);
    }

    /// <summary>
    /// Streams a SELECT's output chunk by chunk straight from the engine's buffers to the socket.
    /// The first chunks (up to <see cref="ChDbOptions.ResponseBufferBytes"/>, like ClickHouse's
    /// <c>http_response_buffer_size</c>) are held back before the status is sent, so a query that fails
    /// within them still gets a proper error status. A failure after that is reported in-band with
    /// ClickHouse's <c>X-ClickHouse-Exception-Tag</c> block and a body that ends prematurely, which
    /// the driver turns into a <c>ClickHouseServerException</c>.
    /// </summary>
    private async Task StreamSelectAsync(
        HttpContext context,
        ClickHouseRequest request,
        ChDbConnection connection,
        ReadOnlyMemory<byte> sql,
        string format,
        CancellationToken cancellationToken)
    {
        ChDbStreamingQuery query;
        try
        {
            query = connection.StreamQuery(sql.Span, request.DefaultFormat, request.Parameters);
        }
        catch (ChDbException ex) when (ex.Code == 36 && ex.Message.Contains("Streaming query is not supported", StringComparison.Ordinal))
        {
            // chDB streams plain SELECTs only; anything it declines runs to completion instead.
            await RunBufferedAsync(context, request, connection, sql, format, cancellationToken);
            return;
        }

        var held = new Queue<ChDbResult>();
        try
        {
            using (query)
            {
                var limit = request.ResponseBufferSize ?? options.ResponseBufferBytes;
                long heldBytes = 0;
                var stats = default(ChDbStats);
                var ended = false;
                while (held.Count == 0 || heldBytes < limit)
                {
                    var next = query.Fetch();
                    if (next is null)
                    {
                        ended = true;
                        break;
                    }

                    held.Enqueue(next);
                    heldBytes += next.Length;
                    stats += next.Stats;
                }

                await SendStreamAsync(context, request, query, held, ended, format, stats, cancellationToken);
            }
        }
        finally
        {
            while (held.TryDequeue(out var chunk))
            {
                chunk.Dispose();
            }
        }
    }

    private async Task SendStreamAsync(
        HttpContext context,
        ClickHouseRequest request,
        ChDbStreamingQuery query,
        Queue<ChDbResult> held,
        bool ended,
        string format,
        ChDbStats stats,
        CancellationToken cancellationToken)
    {
        // chDB repeats the format's header in every chunk: keep the first, drop the copies.
        var header = ReadOnlyMemory<byte>.Empty;
        if (held.TryPeek(out var firstChunk))
        {
            var headerLength = StreamingFormats.HeaderLength(format, firstChunk.GetSpan());
            if (headerLength > 0)
            {
                header = firstChunk.GetSpan()[..headerLength].ToArray();
            }
            else if (headerLength < 0)
            {
                Log.HeaderNotFound(logger, request.QueryId, format);
            }
        }

        var response = context.Response;
        var tag = RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 16);
        if (!ended)
        {
            response.Headers["X-ClickHouse-Exception-Tag"] = tag;
        }

        WriteSuccessHeaders(response, format, stats);
        var coding = HttpCompression.ChooseResponseCoding(request.EnableHttpCompression, context.Request.Headers.AcceptEncoding);
        if (coding is not null)
        {
            response.Headers.ContentEncoding = coding;
        }

        // HTTP/1.1 (what ClickHouse clients speak): frame the chunks here, see ChunkedResponseStream.
        ChunkedResponseStream? chunked = null;
        if (!ended && HttpProtocol.IsHttp11(context.Request.Protocol))
        {
            response.Headers.TransferEncoding = "chunked";
            chunked = new ChunkedResponseStream(response.Body);
        }

        Stream framed = chunked ?? response.Body;
        var output = coding is null ? framed : HttpCompression.EncodeResponse(framed, coding);
        var failed = false;
        try
        {
            var first = true;
            while (true)
            {
                if (!held.TryDequeue(out var chunk))
                {
                    chunk = ended ? null : query.Fetch();
                    if (chunk is null)
                    {
                        break;
                    }
                }

                using (chunk)
                {
                    var data = chunk.Memory;
                    if (!first && !header.IsEmpty && data.Span.StartsWith(header.Span))
                    {
                        data = data[header.Length..];
                    }

                    await output.WriteAsync(data, cancellationToken);
                }

                first = false;
            }
        }
        catch (ChDbException ex)
        {
            // ClickHouse's in-band error block, which the driver finds by the response's tag.
            failed = true;
            Log.QueryFailedMidStream(logger, request.QueryId, ex.Code, ex.Message);
            await output.WriteAsync(InBandException(tag, ex.Message), cancellationToken);
        }

        if (!ReferenceEquals(output, framed))
        {
            await output.DisposeAsync(); // completes the compressed frame
        }

        if (!failed)
        {
            if (chunked is not null)
            {
                await chunked.CompleteAsync(cancellationToken);
            }

            return;
        }

        // Leave the body without its last chunk and have Kestrel close the connection (FIN, after
        // everything is sent) once this response is done: the client reads the error block, then
        // the premature end. Without our own framing, only a reset can signal it.
        await framed.FlushAsync(cancellationToken);
        var lifetime = context.Features.Get<IConnectionLifetimeNotificationFeature>();
        if (chunked is not null && lifetime is not null)
        {
            lifetime.RequestClose();
        }
        else
        {
            context.Abort();
        }
    }

    private static async Task RunBufferedAsync(
        HttpContext context,
        ClickHouseRequest request,
        ChDbConnection connection,
        ReadOnlyMemory<byte> sql,
        string? format,
        CancellationToken cancellationToken)
    {
        using var result = connection.Query(sql.Span, request.DefaultFormat, request.Parameters).ThrowIfError();
        var response = context.Response;
        WriteSuccessHeaders(response, format ?? request.DefaultFormat, result.Stats);
        if (result.Length == 0)
        {
            return;
        }

        var coding = HttpCompression.ChooseResponseCoding(request.EnableHttpCompression, context.Request.Headers.AcceptEncoding);
        if (coding is null)
        {
            await response.Body.WriteAsync(result.Memory, cancellationToken);
            return;
        }

        response.Headers.ContentEncoding = coding;
        await using var output = HttpCompression.EncodeResponse(response.Body, coding);
        await output.WriteAsync(result.Memory, cancellationToken);
    }

    private static void WriteSuccessHeaders(HttpResponse response, string format, ChDbStats stats)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = OutputFormats.ContentType(format);
        response.Headers["X-ClickHouse-Format"] = format;
        response.Headers["X-ClickHouse-Summary"] = string.Create(
            CultureInfo.InvariantCulture,
            $"{{\"read_rows\":\"{stats.ReadRows}\",\"read_bytes\":\"{stats.ReadBytes}\",\"written_rows\":\"{stats.WrittenRows}\",\"written_bytes\":\"{stats.WrittenBytes}\",\"total_rows_to_read\":\"{stats.ReadRows}\",\"result_rows\":\"{stats.ResultRows}\",\"result_bytes\":\"{stats.ResultBytes}\",\"elapsed_ns\":\"{stats.Elapsed.Ticks * 100}\"}}");
    }

    /// <summary>ClickHouse's error answer: mapped status, the code in a header, the message as the body.</summary>
    private static async Task WriteErrorAsync(HttpResponse response, int code, string message, CancellationToken cancellationToken)
    {
        response.StatusCode = ClickHouseError.ToHttpStatus(code);
        response.ContentType = "text/plain; charset=UTF-8";
        response.Headers["X-ClickHouse-Exception-Code"] = code.ToString(CultureInfo.InvariantCulture);
        response.Headers.Remove("X-ClickHouse-Summary");
        await response.WriteAsync(message.EndsWith('\n') ? message : message + "\n", cancellationToken);
    }

    /// <summary>
    /// ClickHouse's in-band error block for a response already under way:
    /// <c>__exception__\r\n{tag}\r\n{message}\n{size} {tag}\r\n__exception__\r\n</c>.
    /// </summary>
    private static byte[] InBandException(string tag, string message)
    {
        var text = message.EndsWith('\n') ? message : message + "\n";
        return Encoding.UTF8.GetBytes($"__exception__\r\n{tag}\r\n{text}{Encoding.UTF8.GetByteCount(text)} {tag}\r\n__exception__\r\n");
    }

    /// <summary>
    /// A decoder stops at the end of its compressed stream, which can leave the end of the HTTP body
    /// (the last chunk) unread; reading it leaves the connection clean for the next request.
    /// </summary>
    private static Task DrainAsync(HttpRequest request, CancellationToken cancellationToken) =>
        request.Body.CopyToAsync(Stream.Null, cancellationToken);

    /// <summary>Fills <paramref name="buffer"/> unless the stream ends first; returns the bytes read.</summary>
    private static async ValueTask<int> ReadFullyAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer[total..], cancellationToken);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    private string TimezoneOf(ClickHouseRequest request)
    {
        var session = request.Settings.LastOrDefault(s => s.Key == "session_timezone").Value;
        return string.IsNullOrEmpty(session) ? engine.Timezone : session;
    }

    private static partial class Log
    {
        [LoggerMessage(10, LogLevel.Debug, "Query {QueryId} failed with code {Code}: {Message}")]
        public static partial void QueryFailed(ILogger logger, string queryId, int code, string message);

        [LoggerMessage(11, LogLevel.Warning, "Query {QueryId} failed after its response had started (code {Code}): {Message}")]
        public static partial void QueryFailedMidStream(ILogger logger, string queryId, int code, string message);

        [LoggerMessage(12, LogLevel.Debug, "Insert {QueryId}: {Rows} rows from {Bytes} bytes")]
        public static partial void InsertCompleted(ILogger logger, string queryId, ulong rows, long bytes);

        [LoggerMessage(14, LogLevel.Warning, "Query {QueryId}: could not find the {Format} header in the first chunk; later chunks are sent as they are")]
        public static partial void HeaderNotFound(ILogger logger, string queryId, string format);

        [LoggerMessage(13, LogLevel.Debug, "Query {QueryId}: the client went away")]
        public static partial void ClientAborted(ILogger logger, string queryId);
    }
}
