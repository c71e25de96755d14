using Microsoft.AspNetCore.Http.HttpResults;
using PolyglotAspire.SyncWorker.Backfill;
using PolyglotAspire.SyncWorker.DeadLetters;
using PolyglotAspire.SyncWorker.Pipeline;

namespace PolyglotAspire.SyncWorker.Apis;

/// <summary>
/// The worker's operations, under <c>/api/admin</c> (<see cref="SecurityExtensions.MapAdminGroup"/>: admin scope, no
/// OpenAPI entry): backfill from PostgreSQL, dead-letter replay, pausing and resuming consumption.
/// </summary>
internal static class AdminApi
{
    public static RouteGroupBuilder MapAdminApi(this IEndpointRouteBuilder endpoints)
    {
        var admin = endpoints.MapAdminGroup();
        admin.MapPost("backfill", StartBackfill).WithName("StartBackfill");
        admin.MapGet("backfill", GetBackfill).WithName("GetBackfill");
        admin.MapPost("dead-letters/replay", ReplayAsync).WithName("ReplayDeadLetters");
        admin.MapGet("dead-letters/replay", GetReplay).WithName("GetDeadLetterReplay");
        admin.MapPost("sync/pause", Pause).WithName("PauseSync");
        admin.MapPost("sync/resume", Resume).WithName("ResumeSync");
        admin.MapGet("sync", GetSync).WithName("GetSync");
        return admin;
    }

    /// <summary>Starts a backfill (body <c>{}</c>, none, or <c>{"from", "to"}</c> on created_at): 202 and its status; 409 while one runs.</summary>
    public static Results<Accepted<BackfillStatus>, ValidationProblem, ProblemHttpResult> StartBackfill(BackfillRequest? request, BackfillService backfills)
    {
        request ??= new BackfillRequest();
        var errors = request.Validate();
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        return backfills.TryStart(request, out var status) switch
        {
            BackfillService.StartOutcome.Started => TypedResults.Accepted("/api/admin/backfill", status),
            BackfillService.StartOutcome.AlreadyRunning => TypedResults.Problem(
                $"A backfill started at {status.StartedAt:O} is running ({status.Phase}, {status.Rows} rows so far); one runs at a time.",
                statusCode: StatusCodes.Status409Conflict, title: "A backfill is already running"),
            _ => TypedResults.Problem("The worker has no PostgreSQL connection (ConnectionStrings:ordersdb): nothing to backfill from.",
                statusCode: StatusCodes.Status503ServiceUnavailable, title: "No PostgreSQL source"),
        };
    }

    /// <summary>Replays the dead letters (body none, <c>{}</c> or <c>{"fromBeginning": true}</c>) and answers what it did; 409 while one runs.</summary>
    public static async Task<Results<Ok<ReplayResult>, ProblemHttpResult>> ReplayAsync(ReplayRequest? request, DeadLetterReplayer replayer, CancellationToken cancellationToken) =>
        await replayer.ReplayAsync(request ?? new ReplayRequest(), cancellationToken) is { } result
            ? TypedResults.Ok(result)
            : TypedResults.Problem("A dead-letter replay is running; they run one at a time.", statusCode: StatusCodes.Status409Conflict, title: "A replay is already running");

    public static Ok<ReplayResult> GetReplay(DeadLetterReplayer replayer) => TypedResults.Ok(replayer.Last);

    public static Ok<BackfillStatus> GetBackfill(BackfillService backfills) => TypedResults.Ok(backfills.Status);

    /// <summary>Asks the consume loop to pause; 202: it applies it on its own thread (GET /api/admin/sync says when).</summary>
    public static Accepted<SyncState> Pause(SyncControl control)
    {
        control.RequestPause();
        return TypedResults.Accepted("/api/admin/sync", SyncState.Of(control));
    }

    public static Accepted<SyncState> Resume(SyncControl control)
    {
        control.RequestResume();
        return TypedResults.Accepted("/api/admin/sync", SyncState.Of(control));
    }

    public static Ok<SyncState> GetSync(SyncControl control) => TypedResults.Ok(SyncState.Of(control));
}
