using System.Diagnostics;
using Spectre.Console;

namespace PolyglotAspire.Load;

/// <summary>A progress bar for a long phase whose length is known in advance (a timed load), filled by elapsed time.</summary>
internal static class PhaseProgress
{
    public static async Task<T> RunAsync<T>(string description, TimeSpan expected, Func<Task<T>> phase)
    {
        T result = default!;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn())
            .StartAsync(async progress =>
            {
                var bar = progress.AddTask(description, maxValue: Math.Max(1, expected.TotalSeconds));
                var clock = Stopwatch.StartNew();
                var running = phase();
                while (!running.IsCompleted)
                {
                    bar.Value = Math.Min(clock.Elapsed.TotalSeconds, bar.MaxValue);
                    await Task.WhenAny(running, Task.Delay(250));
                }

                bar.Value = bar.MaxValue;
                result = await running;
            });
        return result;
    }
}
