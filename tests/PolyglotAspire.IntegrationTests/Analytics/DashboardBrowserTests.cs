using System.Globalization;
using Aspire.Hosting.Testing;
using Microsoft.Playwright;
using PolyglotAspire.IntegrationTests.Infrastructure;

namespace PolyglotAspire.IntegrationTests.Analytics;

/// <summary>The dashboard page in a real browser (Debian's Chromium through Playwright): it shows the API's numbers and follows new orders.</summary>
[Collection(nameof(AppTestGroup))]
public sealed class DashboardBrowserTests(AppFixture fixture)
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_page_shows_the_APIs_numbers_and_updates_after_new_orders()
    {
        var writer = new OrdersWriter(fixture.App.CreateHttpClient("orders-api"));
        var analytics = new AnalyticsClient(fixture.App.CreateHttpClient("analytics-api"));
        var region = $"page-{Guid.NewGuid():N}"[..16];
        // Revenue counts paid, shipped and delivered orders (DESIGN.md): pay them so the region's bar shows it.
        var (first, _) = await writer.CreateAsync("C-page", region, 12.50m, 2, _ct);
        await writer.ChangeStatusAsync(first, "paid", _ct);
        await analytics.WaitVisibleAsync(writer.LastToken, _ct);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var page = await browser.NewPageAsync();
        var baseUrl = fixture.App.GetEndpoint("analytics-api", "http");
        await page.GotoAsync(new Uri(baseUrl, "/?refresh=1").ToString());

        await Expect(page.Locator("#freshness")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("\\bok\\b"));
        await Expect(page.Locator("#freshness-text")).ToContainTextAsync("data as of");
        await Expect(page.Locator("#updated")).ToContainTextAsync("last updated");

        // The page's numbers are the API's (read while nothing is being written).
        var summary = (await analytics.GetAsync("/api/analytics/summary", _ct)).Data;
        await Expect(page.Locator("#kpi-orders")).ToHaveAttributeAsync("data-value", summary.GetProperty("orders").GetInt64().ToString(CultureInfo.InvariantCulture));
        var revenue = summary.GetProperty("revenue").GetDecimal();
        Assert.Equal(revenue, decimal.Parse(await page.Locator("#kpi-revenue").GetAttributeAsync("data-value") ?? "", CultureInfo.InvariantCulture));
        var regionBar = page.Locator($"#chart-region text.value[data-key='{region}']");
        await Expect(regionBar).ToHaveAttributeAsync("data-value", "25");

        // New orders arrive: the page follows without a reload.
        foreach (var (price, quantity) in new[] { (10m, 1), (0.25m, 3) })
        {
            var (id, _) = await writer.CreateAsync("C-page", region, price, quantity, _ct);
            await writer.ChangeStatusAsync(id, "paid", _ct);
        }

        await analytics.WaitVisibleAsync(writer.LastToken, _ct);
        await Expect(regionBar).ToHaveAttributeAsync("data-value", "35.75", new() { Timeout = 15_000 });
        await Expect(page.Locator("#kpi-orders")).ToHaveAttributeAsync("data-value",
            (summary.GetProperty("orders").GetInt64() + 2).ToString(CultureInfo.InvariantCulture), new() { Timeout = 15_000 });

        var screenshot = Path.Combine(Path.GetTempPath(), "polyglot-dashboard.png");
        await page.ScreenshotAsync(new() { Path = screenshot, FullPage = true });
        TestContext.Current.SendDiagnosticMessage($"dashboard screenshot: {screenshot}");
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);
}
