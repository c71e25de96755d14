using System.Net.Http.Headers;
using System.Text;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO;
using PolyglotAspire.AppHost.Infrastructure;
using PolyglotAspire.IntegrationTests.Infrastructure;

namespace PolyglotAspire.IntegrationTests.Engines;

/// <summary>
/// The ClickHouse server the app runs (local mode: ClickHouse 26.7's own HTTP server from chDB), checked from outside
/// as a client would: who may log in and what each user may do. (That its data outlives a restart is a pipeline
/// test: stopping ClickHouse needs an app of its own.)
/// </summary>
[Collection(nameof(AppTestGroup))]
public sealed class ClickHouseServerTests(AppFixture fixture)
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(null)]          // no credentials at all: ClickHouse takes it as "default"
    [InlineData("default:")]    // the in-process session's own user, from the network
    [InlineData("default:x")]
    [InlineData("admin:")]
    [InlineData("sync_writer:")]
    [InlineData("analytics_reader:")]
    public async Task A_query_without_a_valid_password_is_refused(string? credentials)
    {
        using var http = await HttpAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new StringContent("SELECT 1", Encoding.UTF8) };
        if (credentials is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        }

        using var response = await http.SendAsync(request, _ct);
        var body = await response.Content.ReadAsStringAsync(_ct);
        Assert.False(response.IsSuccessStatusCode, $"answered {(int)response.StatusCode}: {body}");
        Assert.Contains("Authentication failed", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Analytics_credentials_read_the_analytics_database_and_cannot_write_even_when_asking_for_readonly_0()
    {
        using var reader = await ClientAsync(ClickHouseAccess.ReaderName);
        Assert.Equal("analytics_reader", await reader.ExecuteScalarAsync("SELECT currentUser()", cancellationToken: _ct));
        Assert.Equal("analytics", await reader.ExecuteScalarAsync("SELECT currentDatabase()", cancellationToken: _ct));
        await reader.ExecuteScalarAsync("SELECT count() FROM orders", cancellationToken: _ct); // the worker created it

        const string create = "CREATE TABLE reader_probe (x UInt8) ENGINE = MergeTree ORDER BY x";
        var refused = await Assert.ThrowsAsync<ClickHouseServerException>(() => reader.ExecuteNonQueryAsync(create, cancellationToken: _ct));
        Assert.Contains("Not enough privileges", refused.Message, StringComparison.Ordinal);

        var withReadonly0 = new QueryOptions { CustomSettings = new Dictionary<string, object> { ["readonly"] = 0 } };
        refused = await Assert.ThrowsAsync<ClickHouseServerException>(() => reader.ExecuteNonQueryAsync(create, options: withReadonly0, cancellationToken: _ct));
        Assert.Contains("readonly", refused.Message, StringComparison.Ordinal);

        refused = await Assert.ThrowsAsync<ClickHouseServerException>(() => reader.ExecuteNonQueryAsync(
            "INSERT INTO sync_state (topic, partition) VALUES ('probe', 999)", cancellationToken: _ct));
        Assert.Contains("Not enough privileges", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_reader_sees_which_parts_orders_has_and_its_profile_keeps_FINAL_within_partitions()
    {
        using var reader = await ClientAsync(ClickHouseAccess.ReaderName);
        // What the per-partition results' block states need (AppHost/ClickHouse/users.xml grants it explicitly).
        await reader.ExecuteScalarAsync("SELECT count() FROM system.parts WHERE database = currentDatabase() AND table = 'orders'", cancellationToken: _ct);
        Assert.Equal(true, await reader.ExecuteScalarAsync("SELECT getSetting('do_not_merge_across_partitions_select_final')", cancellationToken: _ct));

        var refused = await Assert.ThrowsAsync<ClickHouseServerException>(() => reader.ExecuteScalarAsync("SELECT count() FROM system.grants", cancellationToken: _ct));
        Assert.Contains("Not enough privileges", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_writer_owns_the_analytics_database_and_nothing_else()
    {
        using var writer = await ClientAsync(ClickHouseAccess.WriterName);
        var table = $"writer_probe_{Guid.NewGuid():N}";
        await writer.ExecuteNonQueryAsync($"CREATE TABLE {table} (x UInt8) ENGINE = MergeTree ORDER BY x", cancellationToken: _ct);
        await writer.ExecuteNonQueryAsync($"DROP TABLE {table}", cancellationToken: _ct);

        var refused = await Assert.ThrowsAsync<ClickHouseServerException>(() => writer.ExecuteNonQueryAsync(
            "CREATE TABLE default.writer_probe (x UInt8) ENGINE = MergeTree ORDER BY x", cancellationToken: _ct));
        Assert.Contains("Not enough privileges", refused.Message, StringComparison.Ordinal);
        refused = await Assert.ThrowsAsync<ClickHouseServerException>(() => writer.ExecuteScalarAsync(
            "SELECT count() FROM file('/etc/passwd', 'RawBLOB')", cancellationToken: _ct));
        Assert.Contains("Not enough privileges", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>A client as <paramref name="connection"/>'s user; like Analytics.Api, it sends no settings of its own.</summary>
    private async Task<ClickHouseClient> ClientAsync(string connection) => new(new ClickHouseClientSettings(await fixture.ConnectionStringAsync(connection))
    {
        JsonReadMode = JsonReadMode.None,
        JsonWriteMode = JsonWriteMode.None,
    });

    /// <summary>The server's HTTP interface itself, with no client library in between.</summary>
    private async Task<HttpClient> HttpAsync()
    {
        var settings = new ClickHouseClientSettings(await fixture.ConnectionStringAsync(ClickHouseAccess.WriterName));
        return new HttpClient { BaseAddress = new UriBuilder("http", settings.Host, settings.Port).Uri };
    }
}
