using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace PolyglotAspire.Load.Scenarios.Analytics;

/// <summary>
/// Writes through Orders.Api (the real path: PostgreSQL, relay, Kafka, worker, ClickHouse) while analytics are
/// measured, so parts keep arriving and partitions keep changing: new orders (this month), their status moving on,
/// and a share of status changes to old orders of the order book (any month: old partitions change too).
/// Each task owns its own orders, so every transition it asks for is allowed.
/// </summary>
internal sealed class BackgroundWriter(HttpClient orders, IReadOnlyList<(Guid Id, string Status)> oldOrders, int perSecond, double oldShare)
{
    private const int Tasks = 4;
    private static readonly string[] Regions = ["eu-west", "eu-north", "us-east", "ap-south"];
    private static readonly string[] Currencies = ["EUR", "USD", "GBP"];

    private long _writes;
    private long _oldWrites;
    private long _errors;

    /// <summary>Writes done, how many of them changed an old order, and failures.</summary>
    public (long Writes, long OldWrites, long Errors) Counts => (Interlocked.Read(ref _writes), Interlocked.Read(ref _oldWrites), Interlocked.Read(ref _errors));

    /// <summary>Writes at about <c>perSecond</c> until <paramref name="cancellationToken"/> fires.</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, Tasks).Select(t => Task.Run(() => RunTaskAsync(t, cancellationToken), CancellationToken.None)));

    private async Task RunTaskAsync(int task, CancellationToken cancellationToken)
    {
        var random = new Random(task);
        var old = oldOrders.Where((_, i) => i % Tasks == task).ToList();
        var recent = new List<(Guid Id, string Status)>();
        var interval = TimeSpan.FromSeconds((double)Tasks / perSecond);
        var next = Stopwatch.GetTimestamp();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var roll = random.NextDouble();
                if (roll < oldShare && old.Count > 0)
                {
                    if (!await AdvanceAsync(old, random.Next(old.Count), cancellationToken))
                    {
                        continue; // that one had reached its last status: pick another at once
                    }

                    Interlocked.Increment(ref _oldWrites);
                }
                else if (roll < oldShare + ((1 - oldShare) / 2) || recent.Count == 0)
                {
                    recent.Add((await CreateAsync(random, cancellationToken), "new"));
                }
                else if (!await AdvanceAsync(recent, random.Next(recent.Count), cancellationToken))
                {
                    continue;
                }

                Interlocked.Increment(ref _writes);
            }
            catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref _errors);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            next += (long)(interval.TotalSeconds * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task<Guid> CreateAsync(Random random, CancellationToken cancellationToken)
    {
        using var response = await orders.PostAsJsonAsync("/api/orders", new
        {
            customerId = $"C-{random.Next(200_000):D6}",
            region = Regions[random.Next(Regions.Length)],
            currency = Currencies[random.Next(Currencies.Length)],
            lines = new[] { new { sku = "SKU-1", quantity = 1 + random.Next(3), unitPrice = Math.Round(1 + (random.NextDouble() * 200), 2) } },
        }, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("id").GetGuid();
    }

    /// <summary>Moves an order one status on; false (and it leaves the list) if it is at its last status.</summary>
    private async Task<bool> AdvanceAsync(List<(Guid Id, string Status)> list, int index, CancellationToken cancellationToken)
    {
        var (id, status) = list[index];
        var next = status switch { "new" => "paid", "paid" => "shipped", "shipped" => "delivered", _ => null };
        if (next is null)
        {
            list.RemoveAt(index);
            return false;
        }

        using var response = await orders.PostAsJsonAsync($"/api/orders/{id}/status", new { status = next }, cancellationToken);
        response.EnsureSuccessStatusCode();
        list[index] = (id, next);
        return true;
    }
}
