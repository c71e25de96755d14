using Microsoft.Extensions.Options;
using PolyglotAspire.Contracts;
using PolyglotAspire.OrdersApi.Data;
using PolyglotAspire.OrdersApi.Domain;

namespace PolyglotAspire.OrdersApi.Application;

/// <summary>
/// Every change of an order: builds the new row and its outbox envelope and stores both in one transaction
/// (<see cref="OrderStore"/>). A status change or delete reads the order, then writes on condition that its version is
/// still the one read, so no lock is held between the two round trips; when another write got in between, it reads
/// again and retries (up to <see cref="OrdersOptions.ConcurrentChangeRetries"/> times).
/// </summary>
public sealed class OrderWriter(OrderStore store, TimeProvider time, IOptions<OrdersOptions> options)
{
    /// <summary>
    /// Creates the order. With an <c>Idempotency-Key</c>, <paramref name="firstAnswer"/> renders the answer a retry
    /// of the same request replays; it is stored with the order.
    /// </summary>
    public async Task<CreateResult> CreateAsync(
        NewOrder order, string? idempotencyKey, Func<OrderRow, byte[]> firstAnswer, CancellationToken cancellationToken)
    {
        var now = Now();
        var row = new OrderRow(Guid.CreateVersion7(now), order.CustomerId, order.Region, order.Currency, OrderStatus.New,
            order.Total, now, now, 1, order.Lines.Count);
        var eventId = Guid.CreateVersion7(now);
        var envelope = OrderEventSerializer.Serialize(OrderEvents.Created(row, eventId, OrderEvents.CurrentTraceParent()));
        var idempotency = idempotencyKey is null ? null : new IdempotencyRecord(idempotencyKey, Idempotency.Fingerprint(order), firstAnswer(row));

        var (token, earlier) = await store.CreateAsync(row, order.Lines, eventId, envelope, idempotency, cancellationToken);
        return earlier is null
            ? new CreateResult(CreateOutcome.Created, token, row)
            : new CreateResult(Idempotency.OutcomeOfReuse(earlier, idempotency!.RequestHash), token, ReplayedAnswer: earlier.Response);
    }

    public Task<ChangeResult> ChangeStatusAsync(Guid id, OrderStatus target, VersionPrecondition precondition, CancellationToken cancellationToken) =>
        ChangeAsync(id, precondition, async row =>
        {
            if (!OrderStatuses.CanTransition(row.Status, target))
            {
                return new ChangeResult(ChangeOutcome.TransitionNotAllowed, row);
            }

            var now = Now();
            var changed = row with { Status = target, Version = row.Version + 1, UpdatedAt = now };
            var eventId = Guid.CreateVersion7(now);
            var envelope = OrderEventSerializer.Serialize(OrderEvents.StatusChanged(changed, eventId, OrderEvents.CurrentTraceParent()));
            var (applied, token) = await store.TryChangeStatusAsync(changed, row.Version, eventId, envelope, cancellationToken);
            return applied ? new ChangeResult(ChangeOutcome.Committed, changed, token) : null;
        }, cancellationToken);

    public Task<ChangeResult> DeleteAsync(Guid id, VersionPrecondition precondition, CancellationToken cancellationToken) =>
        ChangeAsync(id, precondition, async row =>
        {
            var now = Now();
            var eventId = Guid.CreateVersion7(now);
            var deletion = OrderEvents.Deleted(row with { UpdatedAt = now }, eventId, OrderEvents.CurrentTraceParent());
            var (applied, token) = await store.TryDeleteAsync(id, row.Version, eventId, OrderEventSerializer.Serialize(deletion), cancellationToken);
            return applied ? new ChangeResult(ChangeOutcome.Committed, row with { Version = deletion.OrderVersion, UpdatedAt = now }, token) : null;
        }, cancellationToken);

    /// <summary>
    /// The version check and retry of every change: <paramref name="tryApply"/> writes on condition that the order is
    /// still at the version read and returns null when another write got there first (nothing was written).
    /// </summary>
    private async Task<ChangeResult> ChangeAsync(
        Guid id, VersionPrecondition precondition, Func<OrderRow, Task<ChangeResult?>> tryApply, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var row = await store.ReadRowAsync(id, cancellationToken);
            if (row is null)
            {
                return new ChangeResult(ChangeOutcome.NotFound);
            }

            if (!precondition.Matches(row.Version))
            {
                return new ChangeResult(ChangeOutcome.PreconditionFailed, row);
            }

            if (await tryApply(row) is { } result)
            {
                return result;
            }

            if (precondition.NamesVersions)
            {
                return new ChangeResult(ChangeOutcome.PreconditionFailed);
            }

            if (attempt >= options.Value.ConcurrentChangeRetries)
            {
                return new ChangeResult(ChangeOutcome.ConcurrentChange);
            }
        }
    }

    /// <summary>Now, to the millisecond: the precision the event envelope carries, so API, database and events agree.</summary>
    private DateTimeOffset Now()
    {
        var now = time.GetUtcNow();
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond));
    }
}
