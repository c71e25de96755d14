using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;
using PolyglotAspire.AppHost.Operations;
using PolyglotAspire.Contracts;
using PolyglotAspire.IntegrationTests.Analytics;

namespace PolyglotAspire.IntegrationTests.Recovery;

/// <summary>
/// The Aspire dashboard commands (<see cref="OperationCommands"/>), run the way the dashboard runs them
/// (<c>ResourceCommands.ExecuteCommandAsync</c>): Reconcile, Backfill from PostgreSQL, Pause and Resume sync.
/// </summary>
[Collection(nameof(RecoveryTestGroup))]
public sealed class OperationCommandTests(RecoveryFixture fixture)
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Reconcile_and_Backfill_commands_report_what_they_did()
    {
        var writer = new OrdersWriter(fixture.App.CreateHttpClient("orders-api"));
        await writer.CreateAsync("C-cmd", "cmd-west", 9.99m, 1, _ct);
        await new AnalyticsClient(fixture.App.CreateHttpClient("analytics-api")).WaitVisibleAsync(writer.LastToken, _ct);

        var reconcile = await fixture.App.ResourceCommands.ExecuteCommandAsync("analytics-api", OperationCommands.Reconcile, _ct);
        Assert.True(reconcile.Success, reconcile.Message);
        Assert.StartsWith("OLAP = OLTP as of ", reconcile.Message, StringComparison.Ordinal);

        var backfill = await fixture.App.ResourceCommands.ExecuteCommandAsync("sync-worker", OperationCommands.Backfill, _ct);
        Assert.True(backfill.Success, backfill.Message);
        Assert.StartsWith("Backfill started at snapshot ", backfill.Message, StringComparison.Ordinal);
        var done = await new BackfillClient(fixture.App.CreateHttpClient("sync-worker")).WaitDoneAsync(_ct);
        Assert.True(done.GetProperty("rows").GetInt64() > 0, done.ToString());
    }

    [Fact]
    public async Task Paused_sync_consumes_nothing_says_so_and_catches_up_when_resumed()
    {
        using var worker = fixture.App.CreateHttpClient("sync-worker");
        var writer = new OrdersWriter(fixture.App.CreateHttpClient("orders-api"));
        var analytics = new AnalyticsClient(fixture.App.CreateHttpClient("analytics-api"));
        ConsistencyToken token;
        try
        {
            var pause = await fixture.App.ResourceCommands.ExecuteCommandAsync("sync-worker", OperationCommands.PauseSync, _ct);
            Assert.True(pause.Success, pause.Message);
            await PollAsync(async () => (await worker.GetFromJsonAsync<JsonElement>("/api/admin/sync", _ct)).GetProperty("state").GetString() == "paused");
            await PollAsync(async () => await worker.GetStringAsync(new Uri("/health", UriKind.Relative), _ct) == "Degraded");

            (_, token) = await writer.CreateAsync("C-paused", "paused-north", 5m, 1, _ct);
            // Bounded by the product's own wait: a paused worker must not make the write visible within it.
            var freshness = await analytics.FreshnessAsync(_ct, token, waitMs: 3_000);
            Assert.False(freshness.GetProperty("tokenVisible").GetBoolean(), $"a write became visible while sync was paused: {freshness}");
        }
        finally
        {
            var resume = await fixture.App.ResourceCommands.ExecuteCommandAsync("sync-worker", OperationCommands.ResumeSync, CancellationToken.None);
            Assert.True(resume.Success, resume.Message);
        }

        await analytics.WaitVisibleAsync(token, _ct);
        Assert.Equal("running", (await worker.GetFromJsonAsync<JsonElement>("/api/admin/sync", _ct)).GetProperty("state").GetString());
        Assert.Equal("Healthy", await worker.GetStringAsync(new Uri("/health", UriKind.Relative), _ct));
    }

    private async Task PollAsync(Func<Task<bool>> condition)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(_ct);
        patience.CancelAfter(TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            await Task.Delay(100, patience.Token);
        }
    }
}
