using PolyglotAspire.IntegrationTests.Analytics;

namespace PolyglotAspire.IntegrationTests.Recovery;

/// <summary>
/// Keeps writing through Orders.Api (creates, status changes, deletes) until stopped, so what a test checks happens
/// while writes go on. <see cref="Written"/> counts the writes, so a test can tell some happened meanwhile.
/// </summary>
internal sealed class BackgroundWriter : IAsyncDisposable
{
    private static readonly string[] Regions = ["eu-west", "us-east", "ap-south"];
    private static readonly string[] Currencies = ["EUR", "USD"];

    private readonly CancellationTokenSource _stop;
    private readonly Task _running;
    private int _written;

    public BackgroundWriter(OrdersWriter writer, int seed, CancellationToken cancellationToken)
    {
        Writer = writer;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _running = Task.Run(() => RunAsync(new Random(seed), _stop.Token), CancellationToken.None);
    }

    public OrdersWriter Writer { get; }

    public int Written => Volatile.Read(ref _written);

    /// <summary>Waits until at least <paramref name="more"/> writes have happened after now.</summary>
    public async Task WaitForWritesAsync(int more, CancellationToken cancellationToken)
    {
        var target = Written + more;
        while (Written < target)
        {
            Assert.False(_running.IsCompleted, $"the background writer stopped: {_running.Exception?.GetBaseException().Message}");
            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>Stops writing and surfaces any failure of a write (every write must have succeeded).</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _running;
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task RunAsync(Random random, CancellationToken ct)
    {
        var open = new List<(Guid Id, string Status)>();
        while (!ct.IsCancellationRequested)
        {
            var roll = random.Next(10);
            if (roll < 5 || open.Count == 0)
            {
                var (id, _) = await Writer.CreateAsync($"C-bg-{random.Next(20):D2}", Regions[random.Next(Regions.Length)],
                    decimal.Round((decimal)(random.NextDouble() * 100) + 1, 2), random.Next(1, 4), ct, Currencies[random.Next(Currencies.Length)]);
                open.Add((id, "new"));
            }
            else
            {
                var i = random.Next(open.Count);
                var (id, status) = open[i];
                var next = roll == 9 ? null : OrdersWriter.RandomNext(status, random);
                if (next is null)
                {
                    await Writer.DeleteAsync(id, ct);
                    open.RemoveAt(i);
                }
                else
                {
                    await Writer.ChangeStatusAsync(id, next, ct);
                    open[i] = (id, next);
                }
            }

            Interlocked.Increment(ref _written);
        }
    }
}
