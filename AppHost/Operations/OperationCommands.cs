using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using PolyglotAspire.AppHost.Security;

namespace PolyglotAspire.AppHost.Operations;

/// <summary>
/// The operations of docs/operations.md as Aspire dashboard commands (HTTP requests to the services' own endpoints):
/// Seed demo orders on orders-api; Reconcile on analytics-api; Backfill from PostgreSQL, Replay dead letters, Pause sync and Resume sync on sync-worker. Each says in one
/// line what happened (the response body is the command's data). Each request carries a short-lived token for the scope
/// it needs, signed with the local key; with an identity provider instead (published) the AppHost cannot sign one.
/// </summary>
public static class OperationCommands
{
    public const string Reconcile = "reconcile";
    public const string Backfill = "backfill";
    public const string ReplayDeadLetters = "replay-dead-letters";
    public const string SeedDemoOrders = "seed-demo-orders";
    public const string PauseSync = "pause-sync";
    public const string ResumeSync = "resume-sync";

    public static IResourceBuilder<ProjectResource> WithOrdersCommands(this IResourceBuilder<ProjectResource> orders, ApiAuthentication authentication) =>
        orders.WithHttpCommand("/api/admin/seed", "Seed demo orders", commandName: SeedDemoOrders, commandOptions: new HttpCommandOptions
        {
            Description = "Write 3000 demo orders over the past 180 days through the write path (they flow to ClickHouse).",
            IconName = "DatabasePlugConnected",
            PrepareRequest = context => AuthorizeAsync(context, authentication, "admin", emptyJsonBody: true),
            GetCommandResult = context => ResultAsync(context, body =>
                (true, $"{body.GetProperty("orders")} demo orders written over the past {body.GetProperty("days")} days")),
        });

    public static IResourceBuilder<ProjectResource> WithAnalyticsCommands(this IResourceBuilder<ProjectResource> analytics, ApiAuthentication authentication) =>
        analytics.WithHttpCommand("/api/analytics/reconciliation", "Reconcile", commandName: Reconcile, commandOptions: new HttpCommandOptions
        {
            Method = HttpMethod.Get,
            Description = "Compare PostgreSQL and ClickHouse per day × region × currency at one point of the stream.",
            IconName = "CheckmarkStarburst",
            PrepareRequest = context => AuthorizeAsync(context, authentication, "analytics:read"),
            GetCommandResult = context => ResultAsync(context, body =>
            {
                var differences = body.GetProperty("differences").GetArrayLength();
                var buckets = body.GetProperty("buckets").GetInt32();
                var asOf = body.GetProperty("asOf").GetString();
                return differences == 0
                    ? (true, $"OLAP = OLTP as of {asOf}: {buckets} buckets equal")
                    : (false, $"{differences} of {buckets} buckets differ as of {asOf}");
            }),
        });

    public static IResourceBuilder<ProjectResource> WithSyncCommands(this IResourceBuilder<ProjectResource> worker, ApiAuthentication authentication) =>
        worker
            .WithHttpCommand("/api/admin/backfill", "Backfill from PostgreSQL", commandName: Backfill, commandOptions: new HttpCommandOptions
            {
                Description = "Copy a consistent snapshot of PostgreSQL's orders into ClickHouse while the stream goes on.",
                ConfirmationMessage = "Copy every order from PostgreSQL into ClickHouse now?",
                IconName = "ArrowSync",
                PrepareRequest = context => AuthorizeAsync(context, authentication, "admin", emptyJsonBody: true),
                GetCommandResult = context => ResultAsync(context, body =>
                    (true, $"Backfill started at snapshot {body.GetProperty("snapshotLsn")}; GET /api/admin/backfill says how it goes")),
            })
            .WithHttpCommand("/api/admin/dead-letters/replay", "Replay dead letters", commandName: ReplayDeadLetters, commandOptions: new HttpCommandOptions
            {
                Description = "Run the dead letters through the decoder again into ClickHouse (after their cause is fixed).",
                IconName = "MailArrowUp",
                PrepareRequest = context => AuthorizeAsync(context, authentication, "admin"),
                GetCommandResult = context => ResultAsync(context, body =>
                    (true, $"{body.GetProperty("replayed")} replayed, {body.GetProperty("undecodable")} still undecodable")),
            })
            .WithHttpCommand("/api/admin/sync/pause", "Pause sync", commandName: PauseSync, commandOptions: new HttpCommandOptions
            {
                Description = "Stop consuming from Kafka (nothing is lost; /health says Paused).",
                IconName = "Pause",
                PrepareRequest = context => AuthorizeAsync(context, authentication, "admin"),
                GetCommandResult = context => ResultAsync(context, body => (true, $"Sync {body.GetProperty("state").GetString()}")),
            })
            .WithHttpCommand("/api/admin/sync/resume", "Resume sync", commandName: ResumeSync, commandOptions: new HttpCommandOptions
            {
                Description = "Consume from Kafka again, from where it paused.",
                IconName = "Play",
                PrepareRequest = context => AuthorizeAsync(context, authentication, "admin"),
                GetCommandResult = context => ResultAsync(context, body => (true, $"Sync {body.GetProperty("state").GetString()}")),
            });

    /// <summary>
    /// A bearer token for <paramref name="scope"/>, valid for five minutes, signed with the local key if there is one;
    /// with <paramref name="emptyJsonBody"/>, the body <c>{}</c> (an operation's defaults).
    /// </summary>
    private static async Task AuthorizeAsync(HttpCommandRequestContext context, ApiAuthentication authentication, string scope, bool emptyJsonBody = false)
    {
        if (emptyJsonBody)
        {
            context.Request.Content = JsonContent.Create(new { });
        }

        if (authentication.SigningKey is { } key && await key.GetValueAsync(context.CancellationToken) is { } value)
        {
            context.Request.Headers.Authorization = new AuthenticationHeaderValue("Bearer",
                DevTokens.Create(value, [scope], subject: "aspire-dashboard", lifetime: TimeSpan.FromMinutes(5)));
        }
    }

    /// <summary>A success or failure with a one-line message; the body (JSON or problem details) as the data.</summary>
    private static async Task<ExecuteCommandResult> ResultAsync(HttpCommandResultContext context, Func<JsonElement, (bool Success, string Message)> describe)
    {
        var text = await context.Response.Content.ReadAsStringAsync(context.CancellationToken);
        if (!context.Response.IsSuccessStatusCode)
        {
            var detail = TryParse(text) is { } problem && problem.TryGetProperty("detail", out var d) ? d.GetString() : text;
            return CommandResults.Failure($"{(int)context.Response.StatusCode}: {detail}", text, CommandResultFormat.Json);
        }

        var (success, message) = describe(TryParse(text) ?? default);
        return success ? CommandResults.Success(message, text, CommandResultFormat.Json) : CommandResults.Failure(message, text, CommandResultFormat.Json);
    }

    private static JsonElement? TryParse(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
