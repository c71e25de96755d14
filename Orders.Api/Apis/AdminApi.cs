using Microsoft.AspNetCore.Http.HttpResults;
using PolyglotAspire.OrdersApi.Application;

namespace PolyglotAspire.OrdersApi.Apis;

/// <summary>
/// Orders.Api's operations, under <c>/api/admin</c> (<see cref="SecurityExtensions.MapAdminGroup"/>: admin scope, no
/// OpenAPI entry): seeding demo orders.
/// </summary>
public static class AdminApi
{
    public static RouteGroupBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapAdminGroup();
        admin.MapPost("seed", SeedAsync).WithName("SeedDemoOrders");
        return admin;
    }

    /// <summary>Writes demo orders through the write path, in the request (3000 take a few seconds), and answers what it wrote.</summary>
    public static async Task<Results<Ok<SeedResult>, ValidationProblem>> SeedAsync(SeedRequest? request, DemoSeeder seeder, CancellationToken cancellationToken)
    {
        var orders = request?.Orders ?? SeedRequest.DefaultOrders;
        var days = request?.Days ?? SeedRequest.DefaultDays;
        var errors = new Dictionary<string, string[]>();
        if (orders is < 1 or > 100_000)
        {
            errors["orders"] = ["'orders' must be 1 to 100,000."];
        }

        if (days is < 4 or > 3_650)
        {
            errors["days"] = ["'days' must be 4 to 3,650."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var token = await seeder.SeedAsync(orders, days, request?.Seed ?? Environment.TickCount, cancellationToken);
        return TypedResults.Ok(new SeedResult(orders, days, token.ToString()));
    }
}
