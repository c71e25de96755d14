using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;
using PolyglotAspire.Contracts;
using PolyglotAspire.OrdersApi.Application;
using PolyglotAspire.OrdersApi.Consistency;
using PolyglotAspire.OrdersApi.Domain;

namespace PolyglotAspire.OrdersApi.Apis;

/// <summary>
/// The order API, HTTP only: binding, validation into problem details, and answers; writes go through
/// <see cref="OrderWriter"/>. Every error is an RFC 7807 problem; nothing is written on bad input; every write answers
/// with a consistency token (body <c>consistencyToken</c> and header <see cref="ConsistencyHeaders.Token"/>).
/// </summary>
public static class OrdersApi
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    public const string IdempotentReplayedHeader = "Idempotent-Replayed";

    public static RouteGroupBuilder MapOrdersApi(this IEndpointRouteBuilder app, int maxRequestBodyBytes)
    {
        // Every operation reads or writes PostgreSQL: unavailable → 503 (Retry-After unless the outcome is unknown).
        var api = app.MapGroup("api/orders").WithTags("Orders")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithResponseHeader(StatusCodes.Status503ServiceUnavailable, "Retry-After",
                "Seconds to wait when nothing was written; absent when a write's outcome is unknown (the problem says how to check).");
        var reads = api.MapGroup("").RequireScope(PolyglotScopes.OrdersRead);
        var writes = api.MapGroup("")
            .RequireScope(PolyglotScopes.OrdersWrite)
            .RequireRateLimiting(SecurityExtensions.WritesRateLimit)
            .AddEndpointFilter<StrongConsistencyFilter>() // Prefer: consistency=strong
            .WithRequestHeader("Prefer", "consistency=strong (optionally wait=<seconds>): answer only once analytics shows the write.");
        var bodyLimit = new RequestBodyLimit(maxRequestBodyBytes);

        writes.MapPost("/", CreateOrderAsync)
            .WithName("CreateOrder")
            .WithSummary("Create an order")
            .WithDescription("Validates the order, computes its total and stores it with its outbox event in one transaction. " +
                             "An Idempotency-Key makes retries return the first answer; the same key with another body is 422.")
            .WithMetadata(bodyLimit)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithWriteHeaders(StatusCodes.Status201Created)
            .WithResponseHeader(StatusCodes.Status201Created, HeaderNames.ETag, "The order's version as a strong entity tag (\"1\"): send it back in If-Match.")
            .WithResponseHeader(StatusCodes.Status201Created, IdempotentReplayedHeader, "true when this is the stored answer to an earlier request with the same Idempotency-Key.");

        reads.MapGet("/{id:guid}", GetOrderAsync)
            .WithName("GetOrder")
            .WithSummary("Get an order with its lines")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithResponseHeader(StatusCodes.Status200OK, HeaderNames.ETag, "The order's version as a strong entity tag: send it back in If-Match.");

        reads.MapGet("/", ListOrdersAsync)
            .WithName("ListOrders")
            .WithSummary("List orders, newest first")
            .WithDescription("Keyset pagination: pass the previous page's 'next' as 'after'. Optional filters: customerId, status.");

        writes.MapPost("/{id:guid}/status", ChangeStatusAsync)
            .WithName("ChangeOrderStatus")
            .WithSummary("Change an order's status")
            .WithDescription("Transitions: new → paid → shipped → delivered; new | paid → cancelled (others 409). " +
                             "If-Match: <version> makes the change conditional (412 when the order is at another version).")
            .WithMetadata(bodyLimit)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithConditionalWriteHeaders(StatusCodes.Status200OK)
            .WithResponseHeader(StatusCodes.Status200OK, HeaderNames.ETag, "The order's new version as a strong entity tag.");

        writes.MapDelete("/{id:guid}", DeleteOrderAsync)
            .WithName("DeleteOrder")
            .WithSummary("Delete an order")
            .WithDescription("Removes the order and its lines; the deletion reaches analytics as a new version. If-Match is honoured.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithConditionalWriteHeaders(StatusCodes.Status200OK);

        return api;
    }

    /// <summary>What every committed write answers with: its consistency token and what a strong write's wait achieved.</summary>
    private static RouteHandlerBuilder WithWriteHeaders(this RouteHandlerBuilder endpoint, int status) => endpoint
        .WithResponseHeader(status, ConsistencyHeaders.Token, "The write's consistency token (also in the body): send it as X-Consistency-Token to a session read of analytics.")
        .WithResponseHeader(status, ConsistencyHeaders.PreferenceApplied, "consistency=strong when the write was asked strong and analytics shows it.")
        .WithResponseHeader(status, ConsistencyHeaders.AnalyticsVisible, "On a strong write: true when analytics shows it, false when the wait ran out (the write is committed either way).");

    /// <summary>A change conditional on If-Match (400 when malformed); a 412 names the current version in ETag.</summary>
    private static RouteHandlerBuilder WithConditionalWriteHeaders(this RouteHandlerBuilder endpoint, int status) => endpoint
        .WithRequestHeader(HeaderNames.IfMatch, "The order version(s) the change is conditional on: \"3\", 3, a list, or *.")
        .WithResponseHeader(StatusCodes.Status412PreconditionFailed, HeaderNames.ETag, "The order's current version, when it still exists.")
        .WithWriteHeaders(status);

    public static async Task<Results<Created<OrderResponse>, ValidationProblem, ProblemHttpResult>> CreateOrderAsync(
        [FromBody] CreateOrderRequest request,
        [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey,
        [AsParameters] OrderServices services,
        HttpResponse response,
        CancellationToken cancellationToken)
    {
        if (!OrderValidation.TryValidate(request, out var order, out var errors))
        {
            services.Telemetry.RecordWrite("create", "rejected");
            return TypedResults.ValidationProblem(errors, title: "The order is not valid.");
        }

        // The raw header, not only the bound value: present but empty, or sent twice, is a client error too.
        var keyHeader = response.HttpContext.Request.Headers[IdempotencyKeyHeader];
        idempotencyKey = keyHeader.Count == 1 ? keyHeader[0] : idempotencyKey;
        if (keyHeader.Count > 1 || (keyHeader.Count == 1 && !Idempotency.IsValidKey(keyHeader[0] ?? "")))
        {
            services.Telemetry.RecordWrite("create", "rejected");
            return Problem(StatusCodes.Status400BadRequest, "Invalid Idempotency-Key",
                $"The {IdempotencyKeyHeader} header must be 1 to {Idempotency.MaxKeyLength} visible ASCII characters.");
        }

        var result = await services.Writer.CreateAsync(order, idempotencyKey,
            row => JsonSerializer.SerializeToUtf8Bytes(OrderResponse.From(row, order.Lines), OrdersJsonContext.Default.OrderResponse),
            cancellationToken);
        OrderResponse body;
        switch (result.Outcome)
        {
            case CreateOutcome.KeyReused:
                services.Telemetry.RecordWrite("create", "key_reused");
                return Problem(StatusCodes.Status422UnprocessableEntity, "Idempotency-Key reused",
                    $"The {IdempotencyKeyHeader} '{idempotencyKey}' was already used with a different request.");

            case CreateOutcome.Replayed:
                services.Telemetry.RecordWrite("create", "replayed");
                body = JsonSerializer.Deserialize(result.ReplayedAnswer, OrdersJsonContext.Default.OrderResponse)!;
                response.Headers[IdempotentReplayedHeader] = "true";
                break;

            default:
                services.Telemetry.RecordWrite("create", "committed");
                body = OrderResponse.From(result.Row!, order.Lines);
                break;
        }

        var token = Committed(response, result.Token);
        response.Headers.ETag = EntityTags.For(body.Version);
        return TypedResults.Created($"/api/orders/{body.Id}", body with { ConsistencyToken = token });
    }

    public static async Task<Results<Ok<OrderResponse>, ProblemHttpResult>> GetOrderAsync(
        Guid id, [AsParameters] OrderServices services, HttpResponse response, CancellationToken cancellationToken)
    {
        if (await services.Store.GetAsync(id, cancellationToken) is not { } found)
        {
            return NotFound(id);
        }

        var (row, lines) = found;

        response.Headers.ETag = EntityTags.For(row.Version);
        return TypedResults.Ok(OrderResponse.From(row, lines));
    }

    public static async Task<Results<Ok<OrderPage>, ValidationProblem>> ListOrdersAsync(
        string? customerId, string? status, int? limit, string? after,
        [AsParameters] OrderServices services, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var maxPage = services.Options.Value.MaxPageSize;
        if (customerId is not null && (customerId.Length is 0 or > OrderValidation.MaxCustomerIdLength || !TextRules.IsCleanText(customerId)))
        {
            errors["customerId"] = [$"The customer id is 1 to {OrderValidation.MaxCustomerIdLength} printable characters."];
        }

        OrderStatus? statusFilter = null;
        if (status is not null)
        {
            if (OrderStatuses.TryParse(status, out var parsed))
            {
                statusFilter = parsed;
            }
            else
            {
                errors["status"] = ["The status must be one of: " + string.Join(", ", OrderStatuses.Names) + "."];
            }
        }

        if (limit is < 1 || limit > maxPage)
        {
            errors["limit"] = [$"The limit must be between 1 and {maxPage}."];
        }

        Guid? afterId = null;
        if (after is not null)
        {
            if (PageCursor.TryDecode(after, out var decoded))
            {
                afterId = decoded;
            }
            else
            {
                errors["after"] = ["The cursor is not one this API returned."];
            }
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The query is not valid.");
        }

        var pageSize = limit ?? services.Options.Value.DefaultPageSize;
        var rows = await services.Store.ListAsync(customerId, statusFilter, afterId, pageSize + 1, cancellationToken);
        var hasMore = rows.Count > pageSize;
        var items = rows.Take(pageSize).Select(OrderSummary.From).ToList();
        return TypedResults.Ok(new OrderPage(items, hasMore ? PageCursor.Encode(items[^1].Id) : null));
    }

    public static async Task<Results<Ok<OrderSummary>, ValidationProblem, ProblemHttpResult>> ChangeStatusAsync(
        Guid id, [FromBody] ChangeStatusRequest request, [AsParameters] OrderServices services, HttpContext context, CancellationToken cancellationToken)
    {
        if (!OrderValidation.TryValidate(request, out var target, out var errors))
        {
            services.Telemetry.RecordWrite("status", "rejected");
            return TypedResults.ValidationProblem(errors, title: "The status change is not valid.");
        }

        if (!EntityTags.TryParseIfMatch(context.Request.Headers.IfMatch, out var ifMatch))
        {
            services.Telemetry.RecordWrite("status", "rejected");
            return InvalidIfMatch();
        }

        var result = await services.Writer.ChangeStatusAsync(id, target, ifMatch, cancellationToken);
        services.Telemetry.RecordWrite("status", Label(result.Outcome));
        switch (result)
        {
            case { Outcome: ChangeOutcome.Committed, Row: { } changed }:
                var token = Committed(context.Response, result.Token);
                context.Response.Headers.ETag = EntityTags.For(changed.Version);
                return TypedResults.Ok(OrderSummary.From(changed) with { ConsistencyToken = token });

            case { Outcome: ChangeOutcome.TransitionNotAllowed, Row: { } current }:
                return Problem(StatusCodes.Status409Conflict, "Transition not allowed",
                    $"An order in status '{current.Status.ToName()}' cannot move to '{target.ToName()}'.");

            default:
                return Failed(id, result, context.Response);
        }
    }

    public static async Task<Results<Ok<DeletedOrderResponse>, ProblemHttpResult>> DeleteOrderAsync(
        Guid id, [AsParameters] OrderServices services, HttpContext context, CancellationToken cancellationToken)
    {
        if (!EntityTags.TryParseIfMatch(context.Request.Headers.IfMatch, out var ifMatch))
        {
            services.Telemetry.RecordWrite("delete", "rejected");
            return InvalidIfMatch();
        }

        var result = await services.Writer.DeleteAsync(id, ifMatch, cancellationToken);
        services.Telemetry.RecordWrite("delete", Label(result.Outcome));
        if (result is not { Outcome: ChangeOutcome.Committed, Row: { } deletion })
        {
            return Failed(id, result, context.Response);
        }

        return TypedResults.Ok(new DeletedOrderResponse(id, deletion.Version, Committed(context.Response, result.Token)));
    }

    /// <summary>Puts a committed write's consistency token in its header; returns it for the body.</summary>
    private static string Committed(HttpResponse response, ConsistencyToken token)
    {
        var text = token.ToString();
        response.Headers[ConsistencyHeaders.Token] = text;
        return text;
    }

    /// <summary>The <c>outcome</c> of the writes metric.</summary>
    private static string Label(ChangeOutcome outcome) => outcome switch
    {
        ChangeOutcome.Committed => "committed",
        ChangeOutcome.NotFound => "not_found",
        ChangeOutcome.PreconditionFailed => "precondition_failed",
        _ => "conflict",
    };

    /// <summary>A status change or delete that wrote nothing: the order is missing, at another version, or kept changing.</summary>
    private static ProblemHttpResult Failed(Guid id, ChangeResult result, HttpResponse response) => result.Outcome switch
    {
        ChangeOutcome.NotFound => NotFound(id),
        ChangeOutcome.PreconditionFailed => PreconditionFailed(response, result.Row?.Version),
        _ => ConcurrentChange(id),
    };

    private static ProblemHttpResult NotFound(Guid id) =>
        Problem(StatusCodes.Status404NotFound, "Order not found", $"There is no order {id}.");

    private static ProblemHttpResult InvalidIfMatch() =>
        Problem(StatusCodes.Status400BadRequest, "Invalid If-Match", "If-Match must be an order version (\"3\" or 3), a list of them, or *.");

    private static ProblemHttpResult PreconditionFailed(HttpResponse response, int? currentVersion)
    {
        if (currentVersion is { } version)
        {
            response.Headers.ETag = EntityTags.For(version);
        }

        return Problem(StatusCodes.Status412PreconditionFailed, "Version mismatch",
            currentVersion is { } v
                ? $"The order is at version {v}, not the one If-Match names."
                : "The order changed concurrently and is no longer at the version If-Match names.");
    }

    private static ProblemHttpResult ConcurrentChange(Guid id) =>
        Problem(StatusCodes.Status409Conflict, "Concurrent change", $"Order {id} kept changing concurrently; retry the request.");

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title);
}
