using System.Globalization;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;

namespace ClickHouse.Emulator.Tests;

/// <summary>Typed <c>{name:Type}</c> parameters, sent by the driver as <c>param_*</c>, bound by the engine.</summary>
public sealed class ParameterTests(EmulatorFixture emulator)
{
    private readonly CancellationToken ct = TestContext.Current.CancellationToken;

    private static readonly string[] StringArray = ["a", "b,c", "it's", ""];
    private static readonly ulong[] UInt64Array = [0, 1, ulong.MaxValue];
    private static readonly string[] NamesToFind = ["3", "15", "17", "nope"];

    public static TheoryData<string, object?, string> RoundTrips() => new()
    {
        { "String", "plain", "String" },
        { "String", "quote ' backslash \\ tab \t newline \n unicode é€", "String" },
        { "UInt64", ulong.MaxValue, "UInt64" },
        { "Int64", long.MinValue, "Int64" },
        { "Decimal(18,2)", 1234567890123456.78m, "Decimal(18, 2)" },
        { "Decimal(18,2)", -0.05m, "Decimal(18, 2)" },
        { "DateTime", new DateTime(2024, 2, 29, 23, 59, 58, DateTimeKind.Utc), "DateTime" },
        { "DateTime64(3)", new DateTime(2024, 2, 29, 23, 59, 58, 123, DateTimeKind.Utc), "DateTime64(3)" },
        { "UUID", Guid.Parse("0b7f9e4c-1f6a-4c9e-9a1d-2f3e4d5c6b7a"), "UUID" },
        { "LowCardinality(String)", "eu-west", "LowCardinality(String)" },
        { "Nullable(UInt64)", null, "Nullable(UInt64)" },
        { "Nullable(UInt64)", 42UL, "Nullable(UInt64)" },
        { "Nullable(String)", null, "Nullable(String)" },
        { "Nullable(String)", "x", "Nullable(String)" },
        { "Nullable(Decimal(18,2))", 9.99m, "Nullable(Decimal(18, 2))" },
        { "Nullable(DateTime64(3))", null, "Nullable(DateTime64(3))" },
        { "Array(String)", StringArray, "Array(String)" },
        { "Array(UInt64)", UInt64Array, "Array(UInt64)" },
    };

    [Theory]
    [MemberData(nameof(RoundTrips))]
    public async Task Parameter_round_trips(string type, object? value, string expectedType)
    {
        using var client = emulator.CreateClient();
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("v", value!);

        using var reader = await client.ExecuteReaderAsync($"SELECT {{v:{type}}} AS v, toTypeName({{v:{type}}}) AS t", parameters, cancellationToken: ct);
        Assert.True(reader.Read());
        Assert.Equal(expectedType, reader.GetString(1));
        var actual = reader.IsDBNull(0) ? null : reader.GetValue(0);
        AssertSame(value, actual);
        Assert.False(reader.Read());
    }

    [Fact]
    public async Task Parameters_filter_real_rows()
    {
        using var client = emulator.CreateClient();
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("from", 10UL);
        parameters.AddParameter("names", NamesToFind);
        var count = await client.ExecuteScalarAsync(
            "SELECT count() FROM numbers(20) WHERE number >= {from:UInt64} AND toString(number) IN {names:Array(String)}",
            parameters,
            cancellationToken: ct);
        Assert.Equal(2UL, Convert.ToUInt64(count, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Parameters_also_travel_as_multipart_form_data()
    {
        using var client = new ClickHouseClient(emulator.ConnectionString + ";UseFormDataParameters=true");
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("s", "form & data = ok");
        Assert.Equal("form & data = ok", await client.ExecuteScalarAsync("SELECT {s:String}", parameters, cancellationToken: ct));
    }

    private static void AssertSame(object? expected, object? actual)
    {
        switch (expected)
        {
            case null:
                Assert.Null(actual);
                break;
            case decimal d:
                Assert.Equal(d, Convert.ToDecimal(actual, CultureInfo.InvariantCulture));
                break;
            case DateTime dt:
                var got = Assert.IsType<DateTime>(actual);
                Assert.Equal(dt.Ticks, got.Ticks);
                break;
            case System.Collections.IEnumerable items and not string:
                Assert.Equal(items.Cast<object>().Select(Convert.ToString), ((System.Collections.IEnumerable)actual!).Cast<object>().Select(Convert.ToString));
                break;
            default:
                Assert.Equal(expected, Convert.ChangeType(actual, expected.GetType(), CultureInfo.InvariantCulture));
                break;
        }
    }
}
