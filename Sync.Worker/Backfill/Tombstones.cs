using System.Buffers.Binary;
using System.Globalization;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using PolyglotAspire.Contracts.Analytics;
using PolyglotAspire.SyncWorker.ClickHouse;

namespace PolyglotAspire.SyncWorker.Backfill;

/// <summary>
/// The last step of a backfill at snapshot LSN <c>L</c>, once the stream has passed <c>L</c> (every event ≤ <c>L</c> is in
/// <c>orders</c>): an order ClickHouse holds as not deleted, with no row after <c>L</c>, that the snapshot does not
/// hold, did not exist in PostgreSQL at <c>L</c> — it was deleted and the delete never reached ClickHouse (dead-lettered,
/// lost with a replication slot). It gets a tombstone: its last state with <c>is_deleted = 1</c> and version + 1 (the
/// version its delete had), <c>commit_lsn = L</c>. An order with any row after <c>L</c> is never touched: it exists, or
/// existed, after the snapshot and the stream speaks for it. Found inside ClickHouse one month-partition at a time
/// (<see cref="SnapshotKeysTable"/>), so memory stays bounded by a month's orders.
/// </summary>
internal static class Tombstones
{
    private const string Range = "created_at >= {from:DateTime64(3, 'UTC')} AND created_at < {to:DateTime64(3, 'UTC')}";

    private const string BoundsSql =
        $"SELECT count(), toUnixTimestamp64Milli(min(created_at)), toUnixTimestamp64Milli(max(created_at)) FROM {OrdersTable.Name} WHERE {Range}";

    private const string CandidatesSql = $$"""
        SELECT order_id, version, customer_id, region, currency, status, total, toUnixTimestamp64Milli(created_at), line_count
        FROM {{OrdersTable.Name}} FINAL
        WHERE {{Range}} AND is_deleted = 0 AND commit_lsn <= {lsn:UInt64}
          AND order_id NOT IN (SELECT order_id FROM {{SnapshotKeysTable.Name}} WHERE {{Range}})
        """;

    /// <summary>Places the tombstones over [<paramref name="from"/>, <paramref name="to"/>); returns how many.</summary>
    public static async Task<long> PlaceAsync(
        IClickHouseClient client, IClickHouseSink sink, ulong lsn, long commitTimeMs, DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        var (rows, first, last) = await BoundsAsync(client, from, to, cancellationToken);
        if (rows == 0)
        {
            return 0;
        }

        long placed = 0;
        using var buffer = new RowBinaryBuffer();
        for (var month = new DateTime(first.Year, first.Month, 1, 0, 0, 0, DateTimeKind.Utc); month <= last; month = month.AddMonths(1))
        {
            var start = month < from ? from : month;
            var end = month.AddMonths(1) > to ? to : month.AddMonths(1);
            buffer.Reset();
            var count = await WriteCandidatesAsync(client, buffer, lsn, commitTimeMs, start, end, cancellationToken);
            if (count > 0)
            {
                await sink.InsertOrdersAsync(buffer, string.Create(CultureInfo.InvariantCulture,
                    $"backfill-tombstones:{lsn:X}:{month:yyyyMM}#{buffer.ContentHash():X16}"), cancellationToken);
                placed += count;
            }
        }

        return placed;
    }

    private static async Task<(long Rows, DateTime First, DateTime Last)> BoundsAsync(IClickHouseClient client, DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        using var reader = await client.ExecuteReaderAsync(BoundsSql, Parameters(0, from, to), cancellationToken: cancellationToken);
        reader.Read();
        return (Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)).UtcDateTime,
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)).UtcDateTime);
    }

    private static async Task<int> WriteCandidatesAsync(
        IClickHouseClient client, RowBinaryBuffer buffer, ulong lsn, long commitTimeMs, DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        using var reader = await client.ExecuteReaderAsync(CandidatesSql, Parameters(lsn, from, to), cancellationToken: cancellationToken);
        var count = 0;
        Span<byte> id = stackalloc byte[16];
        while (reader.Read())
        {
            reader.GetGuid(0).TryWriteBytes(id, bigEndian: true, out _);
            var version = Convert.ToUInt32(reader.GetValue(1), CultureInfo.InvariantCulture) + 1;
            string customer = reader.GetString(2), region = reader.GetString(3), currency = reader.GetString(4), status = reader.GetString(5);
            var row = buffer.GetSpan(16 + 1 + 16 + 4 + 8 + 8 + 4 * 5 + System.Text.Encoding.UTF8.GetMaxByteCount(customer.Length + region.Length + currency.Length + status.Length) + 8 + 8 + 2);
            BackfillEventId.Write(id, version, deleted: true, row);
            var p = 16;
            row[p++] = 1; // is_deleted
            p += SnapshotRowDecoder.WriteUuid(id, row[p..]);
            BinaryPrimitives.WriteUInt32LittleEndian(row[p..], version);
            BinaryPrimitives.WriteUInt64LittleEndian(row[(p + 4)..], lsn);
            BinaryPrimitives.WriteInt64LittleEndian(row[(p + 12)..], commitTimeMs);
            p += 20;
            foreach (var text in (ReadOnlySpan<string>)[customer, region, currency, status])
            {
                p += SnapshotRowDecoder.WriteString(System.Text.Encoding.UTF8.GetBytes(text), row[p..]); // few rows: allocating is fine
            }

            BinaryPrimitives.WriteInt64LittleEndian(row[p..], decimal.ToInt64(reader.GetDecimal(6) * 100));
            BinaryPrimitives.WriteInt64LittleEndian(row[(p + 8)..], reader.GetInt64(7));
            BinaryPrimitives.WriteUInt16LittleEndian(row[(p + 16)..], Convert.ToUInt16(reader.GetValue(8), CultureInfo.InvariantCulture));
            buffer.Advance(p + 18);
            count++;
        }

        return count;
    }

    private static ClickHouseParameterCollection Parameters(ulong lsn, DateTime from, DateTime to)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("lsn", lsn);
        parameters.AddParameter("from", from);
        parameters.AddParameter("to", to);
        return parameters;
    }
}
