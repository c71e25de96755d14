using ClickHouse.Driver;
using ClickHouse.Driver.ADO;

namespace ClickHouse.Emulator.Tests;

public sealed class QueryTests(EmulatorFixture emulator)
{
    private readonly CancellationToken ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Ping_and_root_answer_Ok_like_ClickHouse()
    {
        using var http = emulator.CreateHttpClient();
        Assert.Equal("Ok.\n", await http.GetStringAsync("/ping", ct));
        Assert.Equal("Ok.\n", await http.GetStringAsync("/", ct));

        using var client = emulator.CreateClient();
        Assert.True(await client.PingAsync(cancellationToken: ct));
    }

    [Fact]
    public async Task Version_is_the_26_7_engine()
    {
        using var client = emulator.CreateClient();
        var version = await TestData.ScalarAsync<string>(client, "SELECT version()");
        Assert.StartsWith("26.", version, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scalar_and_reader_return_real_rows()
    {
        using var client = emulator.CreateClient();
        Assert.Equal(4950UL, await TestData.ScalarAsync<ulong>(client, "SELECT sum(number) FROM numbers(100)"));

        using var reader = await client.ExecuteReaderAsync("SELECT number, toString(number * 2) AS s FROM numbers(100000)", cancellationToken: ct);
        Assert.Equal(["number", "s"], Enumerable.Range(0, reader.FieldCount).Select(reader.GetName));
        long rows = 0, sum = 0;
        while (reader.Read())
        {
            var n = Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal((n * 2).ToString(System.Globalization.CultureInfo.InvariantCulture), reader.GetString(1));
            rows++;
            sum += n;
        }

        // 100k rows span several ~512 KiB engine chunks: streaming must not lose or repeat any.
        Assert.Equal(100_000, rows);
        Assert.Equal(4_999_950_000, sum);
    }

    [Theory]
    [InlineData("RowBinaryWithNamesAndTypes")]
    [InlineData("TSVWithNamesAndTypes")]
    [InlineData("CSVWithNames")]
    [InlineData("JSONEachRow")]
    [InlineData("JSONCompactEachRowWithNames")]
    [InlineData("Native")]
    public async Task Large_results_are_identical_streamed_or_buffered(string format)
    {
        // ~3 MB of output: several engine chunks, each of which chDB formats with its own header.
        var sql = Uri.EscapeDataString($"SELECT number, toString(number) AS \"s, \"\"q\"\"\" FROM numbers(150000) ORDER BY number FORMAT {format}");
        using var http = emulator.CreateHttpClient();
        var streamed = await http.GetByteArrayAsync($"/?query={sql}", ct);
        var buffered = await http.GetByteArrayAsync($"/?query={sql}&wait_end_of_query=1", ct);
        Assert.True(streamed.Length > 1_000_000, $"only {streamed.Length} bytes");
        Assert.Equal(buffered, streamed);
    }

    [Fact]
    public async Task Whole_document_formats_come_out_as_one_document()
    {
        // JSON has a prefix, a suffix and statistics, so it is never pieced together from chunks.
        using var http = emulator.CreateHttpClient();
        var json = await http.GetStringAsync($"/?query={Uri.EscapeDataString("SELECT number FROM numbers(150000) FORMAT JSON")}", ct);
        using var document = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal(150000, document.RootElement.GetProperty("rows").GetInt32());
        Assert.Equal(150000, document.RootElement.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Ado_connection_works_on_default_settings()
    {
        await using var connection = new ClickHouseConnection(emulator.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count() FROM numbers(12345)";
        Assert.Equal(12345UL, Convert.ToUInt64(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Response_headers_are_ClickHouse_shaped()
    {
        using var http = emulator.CreateHttpClient();
        using var response = await http.PostAsync(
            "/?query_id=my-query&default_format=JSONEachRow",
            new StringContent("SELECT toUInt8(number) AS n FROM numbers(3)"),
            ct);
        response.EnsureSuccessStatusCode();
        Assert.Equal("my-query", response.Headers.GetValues("X-ClickHouse-Query-Id").Single());
        Assert.Equal("JSONEachRow", response.Headers.GetValues("X-ClickHouse-Format").Single());
        Assert.False(string.IsNullOrEmpty(response.Headers.GetValues("X-ClickHouse-Timezone").Single()));
        Assert.False(string.IsNullOrEmpty(response.Headers.GetValues("X-ClickHouse-Server-Display-Name").Single()));
        Assert.Contains("\"result_rows\":\"3\"", response.Headers.GetValues("X-ClickHouse-Summary").Single(), StringComparison.Ordinal);
        Assert.Equal("{\"n\":0}\n{\"n\":1}\n{\"n\":2}\n", await response.Content.ReadAsStringAsync(ct));
    }

    [Fact]
    public async Task Query_in_url_with_data_in_body_and_values_inline()
    {
        using var client = emulator.CreateClient();
        var db = await TestData.CreateDatabaseAsync(client);
        await client.ExecuteNonQueryAsync($"CREATE TABLE {db}.t (a UInt32, s String) ENGINE = MergeTree ORDER BY a", cancellationToken: ct);

        using var http = emulator.CreateHttpClient();
        var insertCsv = Uri.EscapeDataString($"INSERT INTO {db}.t FORMAT CSV");
        (await http.PostAsync($"/?query={insertCsv}", new StringContent("1,one\n2,\"two, quoted\"\n"), ct)).EnsureSuccessStatusCode();
        (await http.PostAsync("/", new StringContent($"INSERT INTO {db}.t VALUES (3, 'three'), (4, 'fo''ur')"), ct)).EnsureSuccessStatusCode();
        (await http.PostAsync("/", new StringContent($"INSERT INTO {db}.t FORMAT TSV\n5\tfive\n"), ct)).EnsureSuccessStatusCode();
        var insertValues = Uri.EscapeDataString($"INSERT INTO {db}.t (a, s) VALUES");
        (await http.PostAsync($"/?query={insertValues}", new StringContent("(6, 'six')"), ct)).EnsureSuccessStatusCode();

        var rows = await http.GetStringAsync($"/?query={Uri.EscapeDataString($"SELECT a, s FROM {db}.t ORDER BY a FORMAT CSV")}", ct);
        Assert.Equal("1,\"one\"\n2,\"two, quoted\"\n3,\"three\"\n4,\"fo'ur\"\n5,\"five\"\n6,\"six\"\n", rows);
    }

    [Fact]
    public async Task Database_parameter_sets_the_current_database()
    {
        using var setup = emulator.CreateClient();
        var db = await TestData.CreateDatabaseAsync(setup);
        await setup.ExecuteNonQueryAsync($"CREATE TABLE {db}.only_here (x UInt8) ENGINE = Memory", cancellationToken: ct);
        await setup.ExecuteNonQueryAsync($"INSERT INTO {db}.only_here VALUES (7)", cancellationToken: ct);

        using var client = new ClickHouseClient($"{emulator.ConnectionString};Database={db}");
        Assert.Equal(db, await TestData.ScalarAsync<string>(client, "SELECT currentDatabase()"));
        Assert.Equal(7, await TestData.ScalarAsync<int>(client, "SELECT x FROM only_here"));

        // Another request without the parameter is back in "default".
        Assert.Equal("default", await TestData.ScalarAsync<string>(setup, "SELECT currentDatabase()"));
    }
}
