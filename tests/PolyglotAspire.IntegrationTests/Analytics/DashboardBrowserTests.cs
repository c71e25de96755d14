using System.Globalization;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Playwright;
using PolyglotAspire.IntegrationTests.Infrastructure;
using PolyglotAspire.Testing;

namespace PolyglotAspire.IntegrationTests.Analytics;

/// <summary>
/// The dashboard page in a real browser (Debian's Chromium through Playwright): it shows the API's numbers in the
/// currency selected, never a sum across currencies, and follows new orders — once a person signed in with a token;
/// before that, and after signing out, only the sign-in prompt.
/// </summary>
[Collection(nameof(AppTestGroup))]
public sealed class DashboardBrowserTests(AppFixture fixture)
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task After_sign_in_the_page_shows_the_APIs_numbers_per_currency_and_updates_after_new_orders()
    {
        var writer = new OrdersWriter(fixture.App.CreateHttpClient("orders-api"));
        var analytics = new AnalyticsClient(fixture.App.CreateHttpClient("analytics-api"));
        var region = $"page-{Guid.NewGuid():N}"[..16];
        // Revenue counts paid, shipped and delivered orders (DESIGN.md): pay them so the region's bar shows it.
        var (first, _) = await writer.CreateAsync("C-page", region, 12.50m, 2, _ct);
        await writer.ChangeStatusAsync(first, "paid", _ct);
        var (inDollars, _) = await writer.CreateAsync("C-page", region, 40m, 1, _ct, currency: "USD");
        await writer.ChangeStatusAsync(inDollars, "paid", _ct);
        await analytics.WaitVisibleAsync(writer.LastToken, _ct);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var page = await browser.NewPageAsync();
        var apiCalls = new List<string>();
        page.Request += (_, request) => { if (request.Url.Contains("/api/", StringComparison.Ordinal)) { apiCalls.Add(request.Url); } };
        var baseUrl = fixture.App.GetEndpoint("analytics-api", "http");
        await page.GotoAsync(new Uri(baseUrl, "/?refresh=1").ToString());

        // A visitor without a token sees the sign-in prompt and no data; the page asks the API nothing.
        await Expect(page.Locator("#signin")).ToBeVisibleAsync();
        await Expect(page.Locator("#dashboard")).ToBeHiddenAsync();
        await Expect(page.Locator("#kpi-orders")).Not.ToHaveAttributeAsync("data-value", new System.Text.RegularExpressions.Regex("."));
        Assert.Empty(apiCalls);

        // Signing in with a token of the analytics:read scope alone (what eng/dev-token.sh analytics:read prints).
        await page.Locator("#token").FillAsync(await fixture.App.TokenAsync(PolyglotScopes.AnalyticsRead));
        await page.Locator("[data-testid=signin-button]").ClickAsync();
        await Expect(page.Locator("#dashboard")).ToBeVisibleAsync();
        await Expect(page.Locator("#signin")).ToBeHiddenAsync();

        await Expect(page.Locator("#freshness")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("\\bok\\b"));
        await Expect(page.Locator("#freshness-text")).ToContainTextAsync("data as of");
        await Expect(page.Locator("#updated")).ToContainTextAsync("last updated");

        // Every currency there are orders in can be chosen; the page's numbers are the API's for the one chosen.
        var currencies = page.Locator("#currency option");
        await Expect(currencies.Filter(new() { HasText = "EUR" })).ToHaveCountAsync(1);
        await Expect(currencies.Filter(new() { HasText = "USD" })).ToHaveCountAsync(1);
        var regionBar = page.Locator($"#chart-region text.value[data-key='{region}']");
        var euros = await ShowsCurrencyAsync(page, analytics, "EUR");
        await Expect(regionBar).ToHaveAttributeAsync("data-value", "25");
        await ShowsCurrencyAsync(page, analytics, "USD");
        await Expect(regionBar).ToHaveAttributeAsync("data-value", "40"); // the same region, in dollars only
        await ShowsCurrencyAsync(page, analytics, "EUR");
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
            (euros + 2).ToString(CultureInfo.InvariantCulture), new() { Timeout = 15_000 });

        var screenshot = Path.Combine(Path.GetTempPath(), "polyglot-dashboard.png");
        await page.ScreenshotAsync(new() { Path = screenshot, FullPage = true });
        TestContext.Current.SendDiagnosticMessage($"dashboard screenshot: {screenshot}");

        // Signing out forgets the token: back to the prompt, also after a reload.
        await page.Locator("#signout").ClickAsync();
        await Expect(page.Locator("#signin")).ToBeVisibleAsync();
        await page.ReloadAsync();
        await Expect(page.Locator("#signin")).ToBeVisibleAsync();
        await Expect(page.Locator("#dashboard")).ToBeHiddenAsync();
    }

    /// <summary>Selects <paramref name="currency"/> and checks the figures are the API's for it (read while nothing is written); returns its orders.</summary>
    private async Task<long> ShowsCurrencyAsync(IPage page, AnalyticsClient analytics, string currency)
    {
        await page.Locator("#currency").SelectOptionAsync(currency);
        var summary = Assert.Single((await analytics.GetAsync($"/api/analytics/summary?currency={currency}", _ct)).Data.GetProperty("byCurrency").EnumerateArray());
        var orders = summary.GetProperty("orders").GetInt64();
        await Expect(page.Locator("#kpi-orders")).ToHaveAttributeAsync("data-value", orders.ToString(CultureInfo.InvariantCulture));
        // The page holds numbers as JavaScript does: the shortest round-trip form of a double (25, 35.75).
        var revenue = ((double)summary.GetProperty("revenue").GetDecimal()).ToString("R", CultureInfo.InvariantCulture);
        await Expect(page.Locator("#kpi-revenue")).ToHaveAttributeAsync("data-value", revenue);
        await Expect(page.Locator("#kpi-revenue")).ToContainTextAsync(currency);
        return orders;
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);
}
