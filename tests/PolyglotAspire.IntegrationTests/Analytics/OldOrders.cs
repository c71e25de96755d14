using ClickHouse.Driver;
using Confluent.Kafka;
using Npgsql;
using PolyglotAspire.Contracts;
using PolyglotAspire.Contracts.Analytics;

namespace PolyglotAspire.IntegrationTests.Analytics;

/// <summary>
/// Orders created months ago. The write path only creates orders now, so they are put into both stores directly,
/// the same rows in each (as a backfill would); from then on they change through Orders.Api like any order — their
/// new versions land in old partitions of ClickHouse's <c>orders</c>. Also redelivers their events straight to Kafka,
/// as the relay does after a crash.
/// </summary>
internal sealed class OldOrders(string postgres, ClickHouseClient writer)
{
    public sealed record Order(Guid Id, string CustomerId, string Region, string Currency, string Status, decimal Total, DateTime CreatedAt);

    private static readonly string[] Statuses = ["new", "paid", "shipped", "delivered", "cancelled"];

    /// <summary>
    /// <paramref name="count"/> orders, each created <paramref name="monthsAgo"/> months ago (one picked at random per
    /// order), in the given regions, currencies and statuses (status <c>new</c> only if <paramref name="statuses"/> says so).
    /// </summary>
    public async Task<List<Order>> SeedAsync(int count, int seed, int[] monthsAgo, string[] regions, string[] currencies, CancellationToken ct, string[]? statuses = null)
    {
        var random = new Random(seed);
        var now = DateTime.UtcNow;
        var orders = Enumerable.Range(0, count).Select(i =>
        {
            var month = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(-monthsAgo[random.Next(monthsAgo.Length)]);
            var created = month.AddMinutes(random.Next(28 * 24 * 60)).AddMilliseconds(random.Next(1000));
            var pick = statuses ?? Statuses;
            return new Order(Guid.CreateVersion7(created), $"C-old-{random.Next(30):D2}", regions[random.Next(regions.Length)],
                currencies[random.Next(currencies.Length)], pick[random.Next(pick.Length)], decimal.Round((decimal)(random.NextDouble() * 300), 2), created);
        }).ToList();

        await using (var connection = new NpgsqlConnection(postgres))
        {
            await connection.OpenAsync(ct);
            await using var insert = new NpgsqlCommand("""
                INSERT INTO orders (id, customer_id, region, currency, status, total, created_at, updated_at, version)
                SELECT id, customer_id, region, currency, status, total, created_at, created_at, 1
                FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::numeric[], $7::timestamptz[])
                     AS o (id, customer_id, region, currency, status, total, created_at)
                """, connection);
            foreach (var values in new object[]
            {
                orders.Select(o => o.Id).ToArray(), orders.Select(o => o.CustomerId).ToArray(), orders.Select(o => o.Region).ToArray(),
                orders.Select(o => o.Currency).ToArray(), orders.Select(o => o.Status).ToArray(), orders.Select(o => o.Total).ToArray(),
                orders.Select(o => o.CreatedAt).ToArray(),
            })
            {
                insert.Parameters.Add(new NpgsqlParameter { Value = values });
            }

            await insert.ExecuteNonQueryAsync(ct);
        }

        await writer.InsertBinaryAsync(OrdersTable.Name, OrdersTable.InsertColumns, orders.Select(o => new object[]
        {
            Guid.NewGuid(), (byte)0, o.Id, 1u, 1UL, o.CreatedAt, o.CustomerId, o.Region, o.Currency, o.Status, o.Total, o.CreatedAt, (ushort)0,
        }), cancellationToken: ct);
        return orders;
    }

    /// <summary>
    /// Sends each order's current row (as PostgreSQL has it) to Kafka again — or, with <paramref name="older"/>, an older
    /// version of it — with a commit position below everything applied, so no watermark moves; returns once the worker
    /// has committed past them, so ClickHouse holds them (its offsets are committed only after the insert; the rows
    /// themselves may merge away at once, which is the point). Either way FINAL must answer as before.
    /// </summary>
    public async Task RedeliverAsync(ProducerConfig config, ConsumerConfig group, IReadOnlyList<Guid> ids, bool older, CancellationToken ct)
    {
        var events = new List<OrderEvent>();
        await using (var connection = new NpgsqlConnection(postgres))
        {
            await connection.OpenAsync(ct);
            await using var select = new NpgsqlCommand(
                "SELECT id, customer_id, region, currency, status, total, created_at, version FROM orders WHERE id = ANY($1)", connection);
            select.Parameters.Add(new NpgsqlParameter { Value = ids.ToArray() });
            await using var reader = await select.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var version = reader.GetInt32(7);
                events.Add(new OrderEvent
                {
                    EventId = Guid.NewGuid(),
                    EventType = OrderEventType.StatusChanged,
                    OrderId = reader.GetGuid(0),
                    OrderVersion = older ? version - 1 : version,
                    CommitLsn = 1,
                    CommitTimeMs = 1,
                    CustomerId = reader.GetString(1),
                    Region = reader.GetString(2),
                    Currency = reader.GetString(3),
                    Status = older ? "new" : reader.GetString(4),
                    TotalCents = (long)(reader.GetDecimal(5) * 100),
                    CreatedAtMs = new DateTimeOffset(reader.GetDateTime(6)).ToUnixTimeMilliseconds(),
                });
            }
        }

        Assert.Equal(ids.Count, events.Count);
        config.Acks = Acks.All;
        var written = new List<TopicPartitionOffset>();
        using (var producer = new ProducerBuilder<byte[], byte[]>(config).SetLogHandler((_, _) => { }).Build())
        {
            foreach (var e in events)
            {
                var message = new Message<byte[], byte[]> { Key = e.OrderId.ToByteArray(bigEndian: true), Value = OrderEventSerializer.Serialize(e) };
                written.Add((await producer.ProduceAsync(Topics.OrderEvents, message, ct)).TopicPartitionOffset);
            }
        }

        group.GroupId = "sync-worker";
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(group).SetLogHandler((_, _) => { }).Build();
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (consumer.Committed(written.Select(w => w.TopicPartition).Distinct(), TimeSpan.FromSeconds(10))
            .Any(c => c.Offset.Value <= written.Where(w => w.TopicPartition == c.TopicPartition).Max(w => w.Offset.Value)))
        {
            Assert.True(DateTime.UtcNow < deadline, "the worker did not commit the redelivered events within a minute");
            await Task.Delay(100, ct);
        }
    }
}
