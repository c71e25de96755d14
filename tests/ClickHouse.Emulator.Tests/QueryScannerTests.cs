using System.Text;
using ClickHouse.Emulator.Http;

namespace ClickHouse.Emulator.Tests;

/// <summary>Where the HTTP layer splits statement from data, by ClickHouse's rules.</summary>
public sealed class QueryScannerTests
{
    [Theory]
    [InlineData("INSERT INTO t FORMAT RowBinary\n\u0001\u0002", "RowBinary", "INSERT INTO t ", "\u0001\u0002")]
    [InlineData("INSERT INTO t (a, b) FORMAT CSV 1,2\n", "CSV", "INSERT INTO t (a, b) ", "1,2\n")]
    [InlineData("INSERT INTO t FORMAT TSV\r\n\n1\n", "TSV", "INSERT INTO t ", "\n1\n")]
    [InlineData("insert into db.t settings insert_deduplication_token = 'x' format JSONEachRow\n{}", "JSONEachRow", "insert into db.t settings insert_deduplication_token = 'x' ", "{}")]
    [InlineData("INSERT INTO t VALUES (1, 'format')", "Values", "INSERT INTO t ", " (1, 'format')")]
    [InlineData("INSERT INTO t (format, `values`) VALUES (1)", "Values", "INSERT INTO t (format, `values`) ", " (1)")]
    [InlineData("/* FORMAT x */ INSERT INTO t -- FORMAT y\n FORMAT Native\nZZ", "Native", "/* FORMAT x */ INSERT INTO t -- FORMAT y\n ", "ZZ")]
    [InlineData("INSERT INTO t SELECT * FROM input('a UInt8') FORMAT CSV\n1\n", "CSV", "INSERT INTO t SELECT * FROM input('a UInt8') ", "1\n")]
    public void Insert_data_starts_where_ClickHouse_says(string text, string format, string statement, string data)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var scan = QueryScanner.Scan(bytes, complete: true);
        Assert.Equal(StatementKind.InsertWithData, scan.Kind);
        Assert.Equal(format, scan.Format);
        Assert.Equal(statement, Encoding.UTF8.GetString(bytes, 0, scan.QueryEnd));
        Assert.Equal(data, Encoding.UTF8.GetString(bytes, scan.DataStart, bytes.Length - scan.DataStart));
    }

    [Theory]
    [InlineData("SELECT 1", "Select", null)]
    [InlineData("  (SELECT 1) UNION ALL (SELECT 2) FORMAT JSON", "Select", "JSON")]
    [InlineData("WITH 1 AS x SELECT x FORMAT TSVWithNames SETTINGS max_threads = 1", "Select", "TSVWithNames")]
    [InlineData("SELECT format FROM t", "Select", null)]
    [InlineData("SELECT 'FORMAT CSV'", "Select", null)]
    [InlineData("INSERT INTO t SELECT * FROM values('a UInt8', 1)", "Other", null)]
    [InlineData("SET max_threads = 1", "SessionChange", null)]
    [InlineData("use db", "SessionChange", null)]
    [InlineData("CREATE TEMPORARY TABLE x (a UInt8)", "SessionChange", null)]
    [InlineData("CREATE TABLE x (format UInt8) ENGINE = Memory", "Other", null)]
    [InlineData("SHOW TABLES FORMAT JSON", "Other", "JSON")]
    public void Statement_kind_and_output_format(string text, string kind, string? format)
    {
        var scan = QueryScanner.Scan(Encoding.UTF8.GetBytes(text), complete: true);
        Assert.Equal(Enum.Parse<StatementKind>(kind), scan.Kind);
        Assert.Equal(format, scan.Format);
    }

    [Fact]
    public void A_cut_off_insert_header_is_incomplete()
    {
        Assert.True(QueryScanner.Scan("INSERT INTO t FORMAT RowBi"u8, complete: false).Incomplete);
        Assert.True(QueryScanner.Scan("INSERT INTO t (a"u8, complete: false).Incomplete);
        Assert.False(QueryScanner.Scan("INSERT INTO t FORMAT RowBinary\nxx"u8, complete: false).Incomplete);
    }
}
