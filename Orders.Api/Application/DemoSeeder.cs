using PolyglotAspire.Contracts;
using PolyglotAspire.OrdersApi.Data;
using PolyglotAspire.OrdersApi.Domain;

namespace PolyglotAspire.OrdersApi.Application;

/// <summary>
/// Demo orders for a first look (<c>POST /api/admin/seed</c>): created over the past months by a few dozen customers in
/// several regions and currencies, most moved on along the allowed transitions a few hours to days later. Written by the
/// real write path — the order, its lines and its outbox envelope in one transaction each (<see cref="OrderStore"/>) — so
/// they flow to ClickHouse like any order. The only difference from the API: times in the past, which only this admin
/// operation may write.
/// </summary>
public sealed class DemoSeeder(OrderStore store, TimeProvider time)
{
    private static readonly string[] Regions = ["eu-west", "eu-north", "us-east", "us-west", "ap-south"];
    private static readonly string[] Currencies = ["EUR", "USD", "GBP"];
    private static readonly string[] Skus = ["SKU-BOOK", "SKU-LAMP", "SKU-MUG", "SKU-DESK", "SKU-CHAIR", "SKU-PEN"];

    /// <summary>Creates <paramref name="count"/> orders over the last <paramref name="days"/> days; returns the last write's token.</summary>
    public async Task<ConsistencyToken> SeedAsync(int count, int days, int seed, CancellationToken cancellationToken)
    {
        var random = new Random(seed);
        var now = time.GetUtcNow();
        ConsistencyToken last = default;
        for (var i = 0; i < count; i++)
        {
            var created = Millis(now.AddMinutes(-random.Next(1, days * 24 * 60)));
            var lines = Enumerable.Range(0, random.Next(1, 4))
                .Select(_ => new OrderLine(Skus[random.Next(Skus.Length)], random.Next(1, 5), decimal.Round((decimal)(random.NextDouble() * 120) + 2, 2)))
                .ToList();
            var row = new OrderRow(Guid.CreateVersion7(created), $"C-{random.Next(60):D3}", Regions[random.Next(Regions.Length)],
                Currencies[random.Next(Currencies.Length)], OrderStatus.New, lines.Sum(l => l.Quantity * l.UnitPrice), created, created, 1, lines.Count);
            var eventId = Guid.CreateVersion7(created);
            (last, _) = await store.CreateAsync(row, lines, eventId,
                OrderEventSerializer.Serialize(OrderEvents.Created(row, eventId, null)), null, cancellationToken);

            // Moved on as orders do: paid, shipped, delivered (or cancelled), each a while after the one before.
            while (NextStatus(row.Status, random) is { } next && row.UpdatedAt.AddDays(3) < now)
            {
                var changed = row with { Status = next, Version = row.Version + 1, UpdatedAt = Millis(row.UpdatedAt.AddMinutes(random.Next(30, 3 * 24 * 60))) };
                var changeId = Guid.CreateVersion7(changed.UpdatedAt);
                var (applied, token) = await store.TryChangeStatusAsync(changed, row.Version, changeId,
                    OrderEventSerializer.Serialize(OrderEvents.StatusChanged(changed, changeId, null)), cancellationToken);
                if (!applied)
                {
                    break; // changed through the API meanwhile: that change stands
                }

                (row, last) = (changed, token);
            }
        }

        return last;
    }

    /// <summary>One in five orders stays where it is; the others take an allowed transition.</summary>
    private static OrderStatus? NextStatus(OrderStatus status, Random random) => random.Next(5) == 0 ? null : status switch
    {
        OrderStatus.New => random.Next(6) == 0 ? OrderStatus.Cancelled : OrderStatus.Paid,
        OrderStatus.Paid => random.Next(10) == 0 ? OrderStatus.Cancelled : OrderStatus.Shipped,
        OrderStatus.Shipped => OrderStatus.Delivered,
        _ => null,
    };

    /// <summary>To the millisecond, the precision of the event envelope.</summary>
    private static DateTimeOffset Millis(DateTimeOffset t) => t.AddTicks(-(t.Ticks % TimeSpan.TicksPerMillisecond));
}
