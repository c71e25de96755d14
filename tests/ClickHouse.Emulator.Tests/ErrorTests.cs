using System.Net;
using ClickHouse.Driver;

namespace ClickHouse.Emulator.Tests;

/// <summary>ClickHouse error codes, statuses and bodies; an error never poisons the next query.</summary>
public sealed class ErrorTests(EmulatorFixture emulator)
{
    private readonly CancellationToken ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Syntax_error_is_code_62_and_the_next_query_works()
    {
        using var client = emulator.CreateClient();
        var error = await Assert.ThrowsAsync<ClickHouseServerException>(() => client.ExecuteScalarAsync("SELEC 1", cancellationToken: ct));
        Assert.Equal(62, error.ErrorCode);
        Assert.Contains("SYNTAX_ERROR", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, await TestData.ScalarAsync<int>(client, "SELECT 1"));
    }

    [Fact]
    public async Task Unknown_table_is_code_60_for_reads_and_inserts()
    {
        using var client = emulator.CreateClient();
        var read = await Assert.ThrowsAsync<ClickHouseServerException>(() => client.ExecuteScalarAsync("SELECT count() FROM no_such_table_xyz", cancellationToken: ct));
        Assert.Equal(60, read.ErrorCode);

        var insert = await Assert.ThrowsAsync<ClickHouseServerException>(() =>
            client.InsertRawStreamAsync("no_such_table_xyz", new RowBinaryStream(0, 1000), "RowBinary", cancellationToken: ct));
        Assert.Equal(60, insert.ErrorCode);

        Assert.Equal(2, await TestData.ScalarAsync<int>(client, "SELECT 2"));
    }

    [Theory]
    [InlineData("SELEC 1", HttpStatusCode.BadRequest, 62)]
    [InlineData("SELECT * FROM no_such_table_xyz", HttpStatusCode.NotFound, 60)]
    [InlineData("SELECT no_such_column_xyz", HttpStatusCode.NotFound, 47)]
    [InlineData("SELECT CAST(1 AS NoSuchType)", HttpStatusCode.NotFound, 50)]
    [InlineData("SELECT throwIf(1)", HttpStatusCode.InternalServerError, 395)]
    public async Task Status_header_and_body_follow_ClickHouse(string sql, HttpStatusCode status, int code)
    {
        using var http = emulator.CreateHttpClient();
        using var response = await http.PostAsync("/", new StringContent(sql), ct);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(code.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Headers.GetValues("X-ClickHouse-Exception-Code").Single());
        Assert.StartsWith($"Code: {code}. DB::Exception: ", await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_insert_data_fails_and_commits_nothing()
    {
        using var client = emulator.CreateClient();
        var db = await TestData.CreateDatabaseAsync(client);
        await client.ExecuteNonQueryAsync($"CREATE TABLE {db}.t (id UInt64, value Int64) ENGINE = MergeTree ORDER BY id", cancellationToken: ct);

        using var http = emulator.CreateHttpClient();
        using var response = await http.PostAsync($"/?query={Uri.EscapeDataString($"INSERT INTO {db}.t FORMAT RowBinary")}", new ByteArrayContent([1, 2, 3]), ct);
        Assert.False(response.IsSuccessStatusCode);
        Assert.Equal("33", response.Headers.GetValues("X-ClickHouse-Exception-Code").Single()); // CANNOT_READ_ALL_DATA
        Assert.Equal(0UL, await TestData.ScalarAsync<ulong>(client, $"SELECT count() FROM {db}.t"));
    }

    [Fact]
    public async Task Error_midway_through_a_streamed_result_reaches_the_driver()
    {
        using var client = emulator.CreateClient();

        // ~8 MB of rows precede the failing one: far past the 1 MiB held back before the status is
        // sent, so the error has to travel in-band.
        var error = await Assert.ThrowsAsync<ClickHouseServerException>(async () =>
        {
            using var reader = await client.ExecuteReaderAsync("SELECT number, throwIf(number = 900000, 'boom') FROM numbers(2000000)", cancellationToken: ct);
            while (reader.Read())
            {
            }
        });
        Assert.Contains("boom", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, await TestData.ScalarAsync<int>(client, "SELECT 3"));
    }

    [Fact]
    public async Task Error_midway_ends_the_body_prematurely_after_the_error_block()
    {
        using var http = emulator.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/")
        {
            Content = new StringContent("SELECT number, throwIf(number = 900000, 'boom') FROM numbers(2000000) FORMAT TSV"),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var tag = response.Headers.GetValues("X-ClickHouse-Exception-Tag").Single();

        using var body = new MemoryStream();
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        await Assert.ThrowsAnyAsync<IOException>(() => stream.CopyToAsync(body, ct)); // no final chunk
        var text = System.Text.Encoding.UTF8.GetString(body.ToArray());
        Assert.StartsWith("0\t0\n1\t0\n", text, StringComparison.Ordinal);
        Assert.Contains($"__exception__\r\n{tag}\r\nCode: 395. DB::Exception: boom", text, StringComparison.Ordinal);
        Assert.EndsWith($"{tag}\r\n__exception__\r\n", text, StringComparison.Ordinal);
    }
}
