using ClickHouse.Driver;

namespace ClickHouse.Emulator.Tests;

/// <summary>URL settings apply to their own request only, as in ClickHouse without session_id.</summary>
public sealed class SettingsTests(EmulatorFixture emulator)
{
    private readonly CancellationToken ct = TestContext.Current.CancellationToken;

    private static QueryOptions Settings(params (string Name, object Value)[] settings) =>
        new() { CustomSettings = settings.ToDictionary(s => s.Name, s => s.Value) };

    [Fact]
    public async Task Max_result_rows_applies_to_its_request_only()
    {
        using var client = emulator.CreateClient();
        const string sql = "SELECT number FROM numbers(5)";

        var error = await Assert.ThrowsAsync<ClickHouseServerException>(async () =>
        {
            using var reader = await client.ExecuteReaderAsync(sql, options: Settings(("max_result_rows", 1), ("result_overflow_mode", "throw")), cancellationToken: ct);
            while (reader.Read())
            {
            }
        });
        Assert.Equal(396, error.ErrorCode); // TOO_MANY_ROWS_OR_BYTES

        using var next = await client.ExecuteReaderAsync(sql, cancellationToken: ct);
        var rows = 0;
        while (next.Read())
        {
            rows++;
        }

        Assert.Equal(5, rows);
        Assert.Equal("0", await TestData.ScalarAsync<string>(client, "SELECT getSetting('max_result_rows')"));
        Assert.Equal("1", await TestData.ScalarAsync<string>(client, "SELECT getSetting('max_result_rows')", Settings(("max_result_rows", 1))));
    }

    [Fact]
    public async Task Readonly_applies_to_its_request_only()
    {
        using var client = emulator.CreateClient();
        var db = await TestData.CreateDatabaseAsync(client);

        var error = await Assert.ThrowsAsync<ClickHouseServerException>(() =>
            client.ExecuteNonQueryAsync($"CREATE TABLE {db}.blocked (x UInt8) ENGINE = Memory", options: Settings(("readonly", 1)), cancellationToken: ct));
        Assert.Equal(164, error.ErrorCode); // READONLY

        await client.ExecuteNonQueryAsync($"CREATE TABLE {db}.allowed (x UInt8) ENGINE = Memory", cancellationToken: ct);
        Assert.Equal(1, await TestData.ScalarAsync<int>(client, $"EXISTS TABLE {db}.allowed"));
        Assert.Equal(0, await TestData.ScalarAsync<int>(client, $"EXISTS TABLE {db}.blocked"));
    }

    [Fact]
    public async Task Set_and_use_statements_do_not_outlive_their_request()
    {
        using var client = emulator.CreateClient();
        var db = await TestData.CreateDatabaseAsync(client);

        await client.ExecuteNonQueryAsync("SET max_result_rows = 7", cancellationToken: ct);
        await client.ExecuteNonQueryAsync($"USE {db}", cancellationToken: ct);

        Assert.Equal("0", await TestData.ScalarAsync<string>(client, "SELECT getSetting('max_result_rows')"));
        Assert.Equal("default", await TestData.ScalarAsync<string>(client, "SELECT currentDatabase()"));
    }

    [Fact]
    public async Task Unknown_setting_is_reported_like_ClickHouse()
    {
        using var client = emulator.CreateClient();
        var error = await Assert.ThrowsAsync<ClickHouseServerException>(() =>
            client.ExecuteScalarAsync("SELECT 1", options: Settings(("no_such_setting_xyz", 1)), cancellationToken: ct));
        Assert.Equal(115, error.ErrorCode); // UNKNOWN_SETTING
        Assert.Equal(1, await TestData.ScalarAsync<int>(client, "SELECT 1"));
    }
}
