using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Aspire.Hosting.Testing;
using PolyglotAspire.Testing;

namespace PolyglotAspire.Load.Scenarios;

/// <summary>What one load phase measured.</summary>
internal sealed record PhaseResult(string Name, long Completed, long Errors, TimeSpan Elapsed, Latency Latency)
{
    public double PerSecond => Completed / Elapsed.TotalSeconds;
}

/// <summary>
/// Drives <c>POST /api/orders</c>: a closed loop (N clients, each sends its next request when the previous answers)
/// or an open loop at a fixed rate (latency measured from each request's intended start, so a stall counts fully).
/// Bodies are 2-line orders, as in the pgbench transaction they are compared with. With <paramref name="observers"/>,
/// every order gets its own customer id (<c>customerPrefix</c> + sequence) and the observers see each request.
/// </summary>
internal sealed class OrderWriteLoad(LocalApp app, int connections, string customerPrefix, IReadOnlyList<IWriteObserver>? observers = null) : IDisposable
{
    private const int DistinctBodies = 1024;
    private static readonly string[] Regions = ["eu-west", "eu-central", "us-east", "us-west", "ap-south"];

    // Its own connection pool (one per client), with the same bearer token every harness client presents.
    private readonly HttpClient _http = new(new AppBearerHandler(app.App.Services)
    {
        InnerHandler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
        },
    })
    {
        BaseAddress = app.App.GetEndpoint("orders-api", "http"),
        Timeout = TimeSpan.FromSeconds(30),
    };

    private readonly IReadOnlyList<IWriteObserver> _observers = observers ?? [];

    // Unobserved loads reuse a small set of bodies (997 customers): no per-request formatting on the hot path.
    private readonly byte[][] _bodies = observers is { Count: > 0 }
        ? []
        : Enumerable.Range(0, DistinctBodies).Select(i => Body(i, $"{customerPrefix}{i % 997}")).ToArray();

    private static byte[] Body(int i, string customerId) => Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
        $$"""{"customerId":"{{customerId}}","region":"{{Regions[i % Regions.Length]}}","currency":"EUR","lines":[{"sku":"SKU-{{i % 100}}","quantity":{{1 + (i % 3)}},"unitPrice":9.99},{"sku":"SKU-{{(i + 7) % 100}}","quantity":1,"unitPrice":19.99}]}"""));

    public async Task<bool> SendAsync(int sequence, CancellationToken cancellationToken)
    {
        if (_observers.Count == 0)
        {
            using var response = await PostAsync(_bodies[sequence % _bodies.Length], cancellationToken);
            return response.StatusCode == HttpStatusCode.Created;
        }

        var customerId = string.Create(CultureInfo.InvariantCulture, $"{customerPrefix}{sequence:D8}");
        foreach (var observer in _observers)
        {
            observer.Sending(customerId);
        }

        HttpResponseMessage? answer = null;
        try
        {
            answer = await PostAsync(Body(sequence, customerId), cancellationToken);
            return answer.StatusCode == HttpStatusCode.Created;
        }
        finally
        {
            foreach (var observer in _observers)
            {
                observer.Answered(customerId, answer);
            }

            answer?.Dispose();
        }
    }

    private async Task<HttpResponseMessage> PostAsync(byte[] body, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        var response = await _http.PostAsync(new Uri("/api/orders", UriKind.Relative), content, cancellationToken);
        try
        {
            await response.Content.CopyToAsync(Stream.Null, cancellationToken);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>N clients in a closed loop for <paramref name="duration"/>.</summary>
    public async Task<PhaseResult> ClosedLoopAsync(string name, int clients, TimeSpan duration, CancellationToken cancellationToken)
    {
        var latency = new Latency();
        long completed = 0, errors = 0;
        var sequence = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var started = Stopwatch.GetTimestamp();
        stop.CancelAfter(duration);
        var workers = Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var begin = Stopwatch.GetTimestamp();
                try
                {
                    var ok = await SendAsync(Interlocked.Increment(ref sequence), CancellationToken.None);
                    latency.Record(begin, Stopwatch.GetTimestamp());
                    Interlocked.Increment(ref ok ? ref completed : ref errors);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref errors); // no answer, or none within the client's 30 s timeout
                }
            }
        }, CancellationToken.None)).ToArray();
        await Task.WhenAll(workers);
        return new PhaseResult(name, completed, errors, Stopwatch.GetElapsedTime(started), latency);
    }

    /// <summary>Requests at a fixed rate for <paramref name="duration"/> (at most <paramref name="maxConcurrency"/> outstanding).</summary>
    public async Task<PhaseResult> OpenLoopAsync(string name, double ratePerSecond, TimeSpan duration, int maxConcurrency, CancellationToken cancellationToken)
    {
        var latency = new Latency();
        long completed = 0, errors = 0;
        using var slots = new SemaphoreSlim(maxConcurrency);
        var started = Stopwatch.GetTimestamp();
        var total = (int)(ratePerSecond * duration.TotalSeconds);
        var interval = Stopwatch.Frequency / ratePerSecond;
        var inFlight = new List<Task>(total);
        for (var i = 0; i < total && !cancellationToken.IsCancellationRequested; i++)
        {
            var intended = started + (long)(i * interval);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), intended);
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, cancellationToken);
            }

            await slots.WaitAsync(cancellationToken);
            var sequence = i;
            inFlight.Add(Task.Run(async () =>
            {
                try
                {
                    var ok = await SendAsync(sequence, CancellationToken.None);
                    latency.Record(intended, Stopwatch.GetTimestamp());
                    Interlocked.Increment(ref ok ? ref completed : ref errors);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref errors); // no answer, or none within the client's 30 s timeout
                }
                finally
                {
                    slots.Release();
                }
            }, CancellationToken.None));
        }

        await Task.WhenAll(inFlight);
        return new PhaseResult(name, completed, errors, Stopwatch.GetElapsedTime(started), latency);
    }

    public void Dispose() => _http.Dispose();
}
