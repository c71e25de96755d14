using System.Diagnostics;
using Npgsql;

namespace PolyglotAspire.Load.Scenarios.Noisy;

/// <summary>
/// A heavy reporting load: N clients, each asking the dashboard's questions one after another, round the list, as
/// fast as the store answers (a closed loop) or, given a total rate, no faster than that, until stopped.
/// </summary>
internal static class AnalyticsLoad
{
    public sealed record Outcome(long Completed, long Errors, TimeSpan Elapsed, Latency Latency)
    {
        public double PerSecond => Completed / Elapsed.TotalSeconds;
    }

    public static async Task<Outcome> RunAsync(
        int clients, IReadOnlyList<AnalyticsQuestion> questions, Func<AnalyticsQuestion, CancellationToken, Task> ask, double? perSecond, CancellationToken stop)
    {
        // Paced: each client starts its n-th question no earlier than n × (clients / rate) after the phase began.
        var interval = perSecond is > 0 ? TimeSpan.FromSeconds(clients / perSecond.Value) : TimeSpan.Zero;
        var latency = new Latency();
        long completed = 0, errors = 0;
        var started = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            // Each client starts at another question, so the mix is the same at every moment.
            for (var i = client; !stop.IsCancellationRequested; i++)
            {
                var due = (interval * (i - client)) - Stopwatch.GetElapsedTime(started);
                if (due > TimeSpan.Zero)
                {
                    try
                    {
                        await Task.Delay(due, stop);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }

                var begin = Stopwatch.GetTimestamp();
                try
                {
                    await ask(questions[i % questions.Count], stop);
                    latency.Record(Stopwatch.GetElapsedTime(begin));
                    Interlocked.Increment(ref completed);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return; // the question in flight when the phase ended: not counted
                }
                catch (Exception ex) when (ex is NpgsqlException or HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }, CancellationToken.None)).ToArray();
        await Task.WhenAll(workers);
        return new Outcome(completed, errors, Stopwatch.GetElapsedTime(started), latency);
    }
}
