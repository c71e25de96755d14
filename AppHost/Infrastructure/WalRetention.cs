using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace PolyglotAspire.AppHost.Infrastructure;

/// <summary>
/// How much WAL PostgreSQL may keep for the capture slot (<c>max_slot_wal_keep_size</c>), for the PostgreSQL the
/// AppHost runs (local and containers): <c>Postgres:MaxSlotWalKeepSize</c>, default 4 GB. Without a bound a long Kafka
/// outage ends with the OLTP disk full; at the bound PostgreSQL invalidates the slot instead, and Orders.Api stops
/// capture and says so until a backfill (docs/contracts.md §6). Size it to the disk and the longest outage to ride out.
/// </summary>
public static partial class WalRetention
{
    public const string ConfigurationKey = "Postgres:MaxSlotWalKeepSize";
    public const string Default = "4GB";

    /// <summary>The configured bound, checked: a PostgreSQL size (<c>512MB</c>, <c>4GB</c>, <c>1TB</c>).</summary>
    public static string MaxSlotWalKeepSize(IConfiguration configuration)
    {
        var value = configuration[ConfigurationKey] ?? Default;
        return Size().IsMatch(value)
            ? value
            : throw new InvalidOperationException($"{ConfigurationKey} is '{value}'; expected a size such as 512MB, 4GB or 1TB.");
    }

    [GeneratedRegex("^[1-9][0-9]{0,6}(MB|GB|TB)$")]
    private static partial Regex Size();
}
