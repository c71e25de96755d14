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
        await using var browser = await LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        var apiCalls = new List<string>();
        page.Request += (_, request) => { if (request.Url.Contains("/api/", StringComparison.Ordinal)) { apiCalls.Add(request.Url); } };
        await page.GotoAsync(PageUrl("/?refresh=1"));

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
        var regionBar = page.Locator($"#table-region tr[data-key='{region}']");
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

    [Fact]
    public async Task The_filters_narrow_every_number_to_the_APIs_answer_for_them_and_the_charts_say_what_they_show()
    {
        var writer = new OrdersWriter(fixture.App.CreateHttpClient("orders-api"));
        var analytics = new AnalyticsClient(fixture.App.CreateHttpClient("analytics-api"));
        var region = $"flt-{Guid.NewGuid():N}"[..16];
        var (paid, _) = await writer.CreateAsync("C-filter", region, 12.50m, 2, _ct);
        await writer.ChangeStatusAsync(paid, "paid", _ct);
        await writer.CreateAsync("C-filter", region, 10m, 1, _ct);      // new: counted as an order, not as revenue
        await writer.CreateAsync("C-filter", region, 7m, 1, _ct, currency: "USD");
        var (elsewhere, _) = await writer.CreateAsync("C-filter", region + "-x", 100m, 1, _ct); // what the region filter leaves out
        await writer.ChangeStatusAsync(elsewhere, "paid", _ct);
        await analytics.WaitVisibleAsync(writer.LastToken, _ct);
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        await page.GotoAsync(PageUrl("/?refresh=1&currency=EUR"));
        await SignInAsync(page);
        await Expect(page.Locator("#freshness-text")).ToContainTextAsync("data as of");

        // Charts: Chart.js canvases, each an image with a name that states its data, and the same numbers as a table.
        foreach (var chart in new[] { "#chart-region", "#chart-trend", "#chart-status" })
        {
            var canvas = page.Locator(chart);
            await Expect(canvas).ToHaveAttributeAsync("role", "img");
            await Expect(canvas).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex(@"\S+: "));
            Assert.True(await canvas.EvaluateAsync<bool>("c => c.width > 0 && c.height > 0 && window.Chart.getChart(c) !== undefined"), $"{chart} is drawn by Chart.js");
        }

        await Expect(page.Locator("#chart-region")).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex(region));
        // The badge's text changes every second and is no live region; a polite one says the state once.
        await Expect(page.Locator("#freshness")).Not.ToHaveAttributeAsync("aria-live", new System.Text.RegularExpressions.Regex("."));
        await Expect(page.Locator("#freshness")).Not.ToHaveAttributeAsync("role", new System.Text.RegularExpressions.Regex("."));
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Analytics data is up to date.");
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveAttributeAsync("aria-live", "polite");

        // Region: the totals, status and trend are the region's, as the API answers for that region.
        await page.Locator("#region").SelectOptionAsync(region);
        var row = Assert.Single((await analytics.GetAsync($"/api/analytics/revenue?groupBy=region&region={region}&currency=EUR", _ct)).Data.EnumerateArray());
        Assert.Equal((2L, 25m), (row.GetProperty("orders").GetInt64(), row.GetProperty("revenue").GetDecimal()));
        await ExpectKpisAsync(page, orders: 2, revenue: "25", averageOrderValue: "25");
        await Expect(page.Locator($"#table-trend tr[data-key='{today}']")).ToHaveAttributeAsync("data-value", "25");
        await Expect(page.Locator("#table-status tr[data-key='new']")).ToHaveAttributeAsync("data-value", "1");
        await Expect(page.Locator("#table-status tr[data-key='paid']")).ToHaveAttributeAsync("data-value", "1");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"region={region}"));

        // Currency: the same region in dollars only.
        await page.Locator("#currency").SelectOptionAsync("USD");
        await ExpectKpisAsync(page, orders: 1, revenue: "0", averageOrderValue: "0");
        await page.Locator("#currency").SelectOptionAsync("EUR");

        // Dates: a range before these orders has none of them; today's has them all.
        await page.Locator("#from").FillAsync("2020-01-01");
        await page.Locator("#to").FillAsync("2020-01-31");
        Assert.Empty((await analytics.GetAsync($"/api/analytics/revenue?groupBy=region&region={region}&currency=EUR&from=2020-01-01&to=2020-01-31", _ct)).Data.EnumerateArray());
        await ExpectKpisAsync(page, orders: 0, revenue: "0", averageOrderValue: "0");
        await page.Locator("#to").FillAsync(today);
        await page.Locator("#from").FillAsync(today);
        await ExpectKpisAsync(page, orders: 2, revenue: "25", averageOrderValue: "25");

        // Every region again, today only: the API's summary for that range and currency.
        await page.Locator("#region").SelectOptionAsync("");
        var summary = Assert.Single((await analytics.GetAsync($"/api/analytics/summary?currency=EUR&from={today}&to={today}", _ct)).Data.GetProperty("byCurrency").EnumerateArray());
        await ExpectKpisAsync(page, summary.GetProperty("orders").GetInt64(), JsNumber(summary.GetProperty("revenue").GetDecimal()),
            JsNumber(summary.GetProperty("averageOrderValue").GetDecimal()));
    }

    [Fact]
    public async Task The_page_refreshes_one_at_a_time_and_not_while_the_tab_is_hidden()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        await page.Clock.InstallAsync(); // the page's timers run only when the test moves this clock
        var summaries = 0;
        var holding = false;
        var held = new List<IRoute>();
        await page.RouteAsync("**/api/analytics/summary*", async route =>
        {
            Interlocked.Increment(ref summaries);
            if (Volatile.Read(ref holding))
            {
                lock (held)
                {
                    held.Add(route);
                }
            }
            else
            {
                await route.ContinueAsync();
            }
        });
        await page.GotoAsync(PageUrl("/?refresh=1"));
        await SignInAsync(page);
        await Expect(page.Locator("#updated")).ToContainTextAsync("last updated");
        var afterLoad = Volatile.Read(ref summaries);

        // A poll whose answer does not come: however long it takes, no second refresh starts beside it.
        Volatile.Write(ref holding, true);
        await page.RunAndWaitForRequestAsync(() => page.Clock.RunForAsync(1_000), "**/api/analytics/summary*");
        await page.Clock.RunForAsync(10_000);
        await RoundTripAsync(page);
        Assert.Equal(afterLoad + 1, Volatile.Read(ref summaries));

        // Hidden, then the answer comes: no further polls until the tab is visible again, then one at once.
        await SetHiddenAsync(page, true);
        Volatile.Write(ref holding, false);
        IRoute[] release;
        lock (held)
        {
            release = [.. held];
        }

        foreach (var route in release)
        {
            await route.ContinueAsync();
        }

        await Expect(page.Locator("body")).Not.ToHaveAttributeAsync("data-loading", "true");
        await page.Clock.RunForAsync(10_000);
        await RoundTripAsync(page);
        Assert.Equal(afterLoad + 1, Volatile.Read(ref summaries));
        await page.RunAndWaitForRequestAsync(() => SetHiddenAsync(page, false), "**/api/analytics/summary*");
    }

    /// <summary>What the page's document.hidden says, and the visibilitychange event a browser sends with it.</summary>
    /// <summary>Signs in as a person would: pastes a token of the analytics:read scope alone.</summary>
    private async Task SignInAsync(IPage page)
    {
        await page.Locator("#token").FillAsync(await fixture.App.TokenAsync(PolyglotScopes.AnalyticsRead));
        await page.Locator("[data-testid=signin-button]").ClickAsync();
        await Expect(page.Locator("#dashboard")).ToBeVisibleAsync();
    }

    private static async Task SetHiddenAsync(IPage page, bool hidden) => await page.EvaluateAsync(
        "hidden => { Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden }); document.dispatchEvent(new Event('visibilitychange')); }",
        hidden);

    /// <summary>A request after everything the page's timers started so far: once it is answered, their requests were seen.</summary>
    private static async Task RoundTripAsync(IPage page) => await page.EvaluateAsync("() => fetch('/dashboard/settings').then(r => r.ok)");

    private static async Task ExpectKpisAsync(IPage page, long orders, string revenue, string averageOrderValue)
    {
        await Expect(page.Locator("#kpi-orders")).ToHaveAttributeAsync("data-value", orders.ToString(CultureInfo.InvariantCulture));
        await Expect(page.Locator("#kpi-revenue")).ToHaveAttributeAsync("data-value", revenue);
        await Expect(page.Locator("#kpi-aov")).ToHaveAttributeAsync("data-value", averageOrderValue);
    }

    /// <summary>A decimal as the page holds it: JavaScript's shortest round-trip form of the double (25, 35.75).</summary>
    private static string JsNumber(decimal value) => ((double)value).ToString("R", CultureInfo.InvariantCulture);

    private static Task<IBrowser> LaunchAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new()
    {
        ExecutablePath = "/usr/bin/chromium",
        Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });

    private string PageUrl(string pathAndQuery) => new Uri(fixture.App.GetEndpoint("analytics-api", "http"), pathAndQuery).ToString();

    /// <summary>Selects <paramref name="currency"/> and checks the figures are the API's for it (read while nothing is written); returns its orders.</summary>
    private async Task<long> ShowsCurrencyAsync(IPage page, AnalyticsClient analytics, string currency)
    {
        await page.Locator("#currency").SelectOptionAsync(currency);
        var summary = Assert.Single((await analytics.GetAsync($"/api/analytics/summary?currency={currency}", _ct)).Data.GetProperty("byCurrency").EnumerateArray());
        var orders = summary.GetProperty("orders").GetInt64();
        await Expect(page.Locator("#kpi-orders")).ToHaveAttributeAsync("data-value", orders.ToString(CultureInfo.InvariantCulture));
        // The page holds numbers as JavaScript does: the shortest round-trip form of a double (25, 35.75).
        var revenue = JsNumber(summary.GetProperty("revenue").GetDecimal());
        await Expect(page.Locator("#kpi-revenue")).ToHaveAttributeAsync("data-value", revenue);
        await Expect(page.Locator("#kpi-revenue")).ToContainTextAsync(currency);
        return orders;
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);
}
