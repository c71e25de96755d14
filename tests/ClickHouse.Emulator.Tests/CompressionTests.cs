using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using ClickHouse.Driver;
using ZstdSharp;

namespace ClickHouse.Emulator.Tests;

/// <summary>Compressed request bodies (Content-Encoding) and responses (enable_http_compression + Accept-Encoding).</summary>
public sealed class CompressionTests(EmulatorFixture emulator)
{
    private const string Query = "SELECT number, repeat('x', number % 7) FROM numbers(20000) FORMAT TSV";
    private readonly CancellationToken ct = TestContext.Current.CancellationToken;

    public static TheoryData<string> Codings() => ["gzip", "deflate", "br", "zstd"];

    [Theory]
    [MemberData(nameof(Codings))]
    public async Task Compressed_request_and_response(string coding)
    {
        using var http = emulator.CreateHttpClient();
        var expected = await http.GetStringAsync("/?query=" + Uri.EscapeDataString(Query), ct);
        Assert.Equal(20000, expected.Count(c => c == '\n'));

        using var request = new HttpRequestMessage(HttpMethod.Post, "/?enable_http_compression=1")
        {
            Content = new ByteArrayContent(Compress(coding, Encoding.UTF8.GetBytes(Query))),
        };
        request.Content.Headers.ContentEncoding.Add(coding);
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue(coding));

        using var response = await http.SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
        Assert.Equal([coding], response.Content.Headers.ContentEncoding);
        var body = await response.Content.ReadAsByteArrayAsync(ct);
        Assert.Equal(expected, Encoding.UTF8.GetString(Decompress(coding, body)));
    }

    [Fact]
    public async Task Response_is_plain_unless_compression_is_enabled()
    {
        using var http = emulator.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new StringContent("SELECT 42") };
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        using var response = await http.SendAsync(request, ct);
        Assert.Empty(response.Content.Headers.ContentEncoding);
        Assert.Equal("42\n", await response.Content.ReadAsStringAsync(ct));
    }

    [Fact]
    public async Task Driver_defaults_compress_both_ways()
    {
        // Observe (not alter) what the driver sends and receives on its default settings.
        var seen = new List<(string? Request, string? Response)>();
        using var httpClient = new HttpClient(new RecordingHandler(seen));
        using var client = new ClickHouseClient(emulator.ConnectionString, httpClient);
        var db = await TestData.CreateDatabaseAsync(client);
        await client.ExecuteNonQueryAsync($"CREATE TABLE {db}.c (id UInt64, s String) ENGINE = MergeTree ORDER BY id", cancellationToken: ct);
        seen.Clear();

        var rows = Enumerable.Range(0, 50_000).Select(i => new object[] { (ulong)i, "row " + i });
        await client.InsertBinaryAsync($"{db}.c", ["id", "s"], rows, cancellationToken: ct);
        Assert.Contains(seen, s => s.Request == "zstd"); // the batch body

        seen.Clear();
        using var reader = await client.ExecuteReaderAsync($"SELECT id, s FROM {db}.c ORDER BY id", cancellationToken: ct);
        var count = 0;
        while (reader.Read())
        {
            Assert.Equal("row " + count, reader.GetString(1));
            count++;
        }

        Assert.Equal(50_000, count);
        Assert.Equal("zstd", seen.Single().Response);
    }

    private static byte[] Compress(string coding, byte[] data)
    {
        if (coding == "zstd")
        {
            using var zstd = new Compressor();
            return zstd.Wrap(data).ToArray();
        }

        using var output = new MemoryStream();
        using (Stream encoder = coding switch
        {
            "gzip" => new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true),
            "deflate" => new ZLibStream(output, CompressionLevel.Fastest, leaveOpen: true),
            "br" => new BrotliStream(output, CompressionLevel.Fastest, leaveOpen: true),
            _ => throw new ArgumentOutOfRangeException(nameof(coding)),
        })
        {
            encoder.Write(data);
        }

        return output.ToArray();
    }

    private static byte[] Decompress(string coding, byte[] data)
    {
        using var input = new MemoryStream(data);
        using Stream decoder = coding switch
        {
            "gzip" => new GZipStream(input, CompressionMode.Decompress),
            "deflate" => new ZLibStream(input, CompressionMode.Decompress),
            "br" => new BrotliStream(input, CompressionMode.Decompress),
            "zstd" => new DecompressionStream(input),
            _ => throw new ArgumentOutOfRangeException(nameof(coding)),
        };
        using var output = new MemoryStream();
        decoder.CopyTo(output);
        return output.ToArray();
    }

    private sealed class RecordingHandler(List<(string? Request, string? Response)> seen) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            lock (seen)
            {
                seen.Add((request.Content?.Headers.ContentEncoding.FirstOrDefault(), response.Content.Headers.ContentEncoding.FirstOrDefault()));
            }

            return response;
        }
    }
}
