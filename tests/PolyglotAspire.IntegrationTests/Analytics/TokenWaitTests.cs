using System.Diagnostics;
using Aspire.Hosting.Testing;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using PolyglotAspire.Analytics;
using PolyglotAspire.Analytics.Freshness;
using PolyglotAspire.AppHost.Infrastructure;
using PolyglotAspire.IntegrationTests.Infrastructure;

namespace PolyglotAspire.IntegrationTests.Analytics;

/// <summary>
/// Analytics.Api's freshness monitor, in-process on the app's ClickHouse and PostgreSQL: a token that waits re-reads
/// the watermark every <see cref="AnalyticsOptions.TokenPollMs"/>, however long answers may reuse an observation
/// (<see cref="AnalyticsOptions.WatermarkMaxAgeMs"/>), so a session read waits for the pipeline, not for a cache.
/// </summary>
[Collection(nameof(AppTestGroup))]
public sealed class TokenWaitTests(AppFixture fixture)
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_waiting_token_reads_the_watermark_again_instead_of_reusing_an_observation_answers_may_share()
    {
        using var clickHouse = new ClickHouseClient(new ClickHouseClientSettings(await fixture.ConnectionStringAsync(ClickHouseAccess.ReaderName))
        {
            JsonReadMode = JsonReadMode.None,
            JsonWriteMode = JsonWriteMode.None,
        });
        await using var postgres = NpgsqlDataSource.Create(await fixture.ConnectionStringAsync(EnginesExtensions.OrdersDbName));
        // Answers may reuse an observation for 10 minutes (beyond what configuration allows, so that no timing can
        // pass this test): a waiter that reused it would wait out its whole limit and never see its write.
        var options = Options.Create(new AnalyticsOptions { WatermarkMaxAgeMs = 600_000, TokenPollMs = 5 });
        var monitor = new FreshnessMonitor(clickHouse, postgres, options, TimeProvider.System, NullLogger<FreshnessMonitor>.Instance);
        var orders = new OrdersWriter(fixture.App.CreateHttpClient("orders-api"));

        await monitor.GetAsync(_ct); // the observation answers may now share, taken before the write
        var (_, token) = await orders.CreateAsync($"token-wait-{Guid.NewGuid():N}", "eu-west", 10m, 1, _ct);
        var waited = Stopwatch.StartNew();
        var visible = await monitor.WaitForAsync(token, TimeSpan.FromSeconds(30), _ct);

        Assert.True(visible, $"token {token} not visible after {waited.ElapsedMilliseconds} ms");
        Assert.True((await monitor.GetAsync(_ct)).Watermark >= token, "the observation the wait ended on is the one answers now share");
    }
}
