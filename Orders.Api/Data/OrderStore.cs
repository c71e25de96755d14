using Npgsql;
using NpgsqlTypes;
using PolyglotAspire.Contracts;
using PolyglotAspire.OrdersApi.Domain;

namespace PolyglotAspire.OrdersApi.Data;

/// <summary>What an <c>Idempotency-Key</c> holds: the fingerprint of the request that used it first, and its answer.</summary>
public sealed record IdempotencyRecord(string Key, byte[] RequestHash, byte[] Response);

/// <summary>
/// PostgreSQL access of the write API. Every change is one transaction holding the order row(s) and the outbox row,
/// sent as one batch (one network round trip): <c>BEGIN; writes; INSERT outbox; DELETE outbox; COMMIT; SELECT lsn</c>.
/// A failing statement aborts the rest of the batch and the transaction (the server skips to the Sync message), and
/// Npgsql rolls the failed transaction back when the connection returns to the pool — so nothing of it is ever
/// committed.
/// </summary>
public sealed class OrderStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Creates an order, its lines and its outbox row; with an idempotency record, also the key (whose unique index
    /// arbitrates concurrent retries). When the key is already taken nothing is written, and <c>Earlier</c> is what it holds.
    /// </summary>
    public async Task<(ConsistencyToken Token, IdempotencyRecord? Earlier)> CreateAsync(
        OrderRow row, IReadOnlyList<OrderLine> lines, Guid eventId, byte[] envelope, IdempotencyRecord? idempotency, CancellationToken cancellationToken)
    {
        var skus = new string[lines.Count];
        var quantities = new int[lines.Count];
        var prices = new decimal[lines.Count];
        for (var i = 0; i < lines.Count; i++)
        {
            (skus[i], quantities[i], prices[i]) = (lines[i].Sku, lines[i].Quantity, lines[i].UnitPrice);
        }

        var createdAt = row.CreatedAt.UtcDateTime;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(OrderSql.Begin));
        if (idempotency is not null)
        {
            batch.BatchCommands.Add(Command(OrderSql.InsertIdempotencyKey,
                P(idempotency.Key), P(idempotency.RequestHash), P(row.Id), P(idempotency.Response), P(createdAt)));
        }

        batch.BatchCommands.Add(Command(OrderSql.InsertOrder,
            P(row.Id), P(row.CustomerId), P(row.Region), P(row.Currency), P(row.Total), P(createdAt)));
        batch.BatchCommands.Add(Command(OrderSql.InsertLines, P(row.Id), P(skus), P(quantities), P(prices)));
        AddOutbox(batch, eventId, row.Id, envelope);

        try
        {
            return (await CommitAsync(batch, row.Id, cancellationToken), null);
        }
        catch (PostgresException ex) when (idempotency is not null && ex is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "idempotency_keys_pkey" })
        {
            // Another request holds (or held) this key: it committed first. Nothing of ours was committed.
        }

        // The failed batch left the transaction aborted: roll it back and read the key's owner in one round trip.
        await using var lookup = new NpgsqlBatch(connection)
        {
            BatchCommands = { new NpgsqlBatchCommand("ROLLBACK"), Command(OrderSql.SelectIdempotencyKey, P(idempotency.Key)) },
        };
        await using var reader = await lookup.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            // Purged between our insert and this read (retention elapsed): extraordinarily rare; let the client retry.
            throw new IdempotencyKeyRaceException();
        }

        var earlier = new IdempotencyRecord(idempotency.Key, reader.GetFieldValue<byte[]>(0), reader.GetFieldValue<byte[]>(1));
        return (new ConsistencyToken((ulong)reader.GetFieldValue<NpgsqlLogSequenceNumber>(2)), earlier);
    }

    /// <summary>The current row (with its line count), or null.</summary>
    public async Task<OrderRow?> ReadRowAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(OrderSql.SelectRow);
        command.Parameters.Add(P(id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadRow(reader, lineCount: reader.GetInt32(9)) : null;
    }

    /// <summary>Applies a status change if the order is still at <paramref name="expectedVersion"/>; false when another write got there first.</summary>
    public Task<(bool Applied, ConsistencyToken Token)> TryChangeStatusAsync(
        OrderRow changed, int expectedVersion, Guid eventId, byte[] envelope, CancellationToken cancellationToken) =>
        TryChangeAsync(changed.Id, Command(OrderSql.UpdateStatusWithOutbox,
            P(changed.Id), P(changed.Status.ToName()), P(changed.UpdatedAt.UtcDateTime), P(expectedVersion), P(eventId), P(envelope)), eventId, cancellationToken);

    /// <summary>Deletes the order if it is still at <paramref name="expectedVersion"/>; false when another write got there first.</summary>
    public Task<(bool Applied, ConsistencyToken Token)> TryDeleteAsync(
        Guid id, int expectedVersion, Guid eventId, byte[] envelope, CancellationToken cancellationToken) =>
        TryChangeAsync(id, Command(OrderSql.DeleteOrderWithOutbox, P(id), P(expectedVersion), P(eventId), P(envelope)), eventId, cancellationToken);

    /// <summary>The order with its lines, or null.</summary>
    public async Task<(OrderRow Row, List<OrderLine> Lines)?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(OrderSql.SelectOrderWithLines);
        command.Parameters.Add(P(id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        OrderRow? row = null;
        var lines = new List<OrderLine>();
        while (await reader.ReadAsync(cancellationToken))
        {
            row ??= ReadRow(reader, lineCount: 0);
            if (!reader.IsDBNull(9))
            {
                lines.Add(new OrderLine(reader.GetString(9), reader.GetInt32(10), reader.GetDecimal(11)));
            }
        }

        return row is null ? null : (row with { LineCount = lines.Count }, lines);
    }

    /// <summary>Up to <paramref name="limit"/> orders, newest first, strictly after the cursor id.</summary>
    public async Task<List<OrderRow>> ListAsync(string? customerId, OrderStatus? status, Guid? after, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(OrderSql.Page(customerId is not null, status is not null, after is not null));
        command.Parameters.Add(P(limit));
        if (customerId is not null)
        {
            command.Parameters.Add(P(customerId));
        }

        if (status is { } s)
        {
            command.Parameters.Add(P(s.ToName()));
        }

        if (after is { } a)
        {
            command.Parameters.Add(P(a));
        }

        var rows = new List<OrderRow>(limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(ReadRow(reader, lineCount: reader.GetInt32(9)));
        }

        return rows;
    }

    /// <summary>Deletes up to <paramref name="batchSize"/> idempotency keys created before <paramref name="before"/>; returns how many.</summary>
    public async Task<int> PurgeIdempotencyKeysAsync(DateTimeOffset before, int batchSize, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(OrderSql.PurgeIdempotencyKeys);
        command.Parameters.Add(P(before.UtcDateTime));
        command.Parameters.Add(P(batchSize));
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A conditional change that inserts its outbox row only if it changed the order (one row), in one transaction.</summary>
    private async Task<(bool Applied, ConsistencyToken Token)> TryChangeAsync(Guid orderId, NpgsqlBatchCommand change, Guid eventId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(OrderSql.Begin));
        batch.BatchCommands.Add(change);
        batch.BatchCommands.Add(Command(OrderSql.DeleteOutbox, P(eventId)));
        var token = await CommitAsync(batch, orderId, cancellationToken);
        return (change.RecordsAffected == 1, token);
    }

    private static void AddOutbox(NpgsqlBatch batch, Guid eventId, Guid orderId, byte[] envelope)
    {
        batch.BatchCommands.Add(Command(OrderSql.InsertOutbox, P(eventId), P(orderId), P(envelope)));
        batch.BatchCommands.Add(Command(OrderSql.DeleteOutbox, P(eventId)));
    }

    /// <summary>
    /// Appends <c>COMMIT; SELECT pg_current_wal_insert_lsn()</c>, runs the batch and returns the token. An error
    /// PostgreSQL reports means the transaction was rolled back (nothing was written) and propagates as is; a
    /// connection that fails once the batch is on its way (or a fatal error) leaves the outcome unknown:
    /// <see cref="CommitOutcomeUnknownException"/>.
    /// </summary>
    private static async Task<ConsistencyToken> CommitAsync(NpgsqlBatch batch, Guid orderId, CancellationToken cancellationToken)
    {
        if (batch.BatchCommands[^1].CommandText == OrderSql.InsertOutbox)
        {
            throw new InvalidOperationException("The outbox row must be deleted in its own transaction.");
        }

        batch.BatchCommands.Add(new NpgsqlBatchCommand(OrderSql.Commit));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(OrderSql.CurrentWalInsertLsn));

        // Not cancellable once sent: a cancelled COMMIT leaves the outcome unknown to the caller. The request's
        // token still bounds the wait for the connection and the send.
        try
        {
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(CancellationToken.None))
            {
                throw new InvalidOperationException("pg_current_wal_insert_lsn() returned no row.");
            }

            return new ConsistencyToken((ulong)reader.GetFieldValue<NpgsqlLogSequenceNumber>(0));
        }
        catch (PostgresException ex) when (ex.InvariantSeverity is "ERROR")
        {
            // PostgreSQL answered with an error, so the connection is alive and the transaction did not commit: an
            // error in a statement before COMMIT skips the rest of the batch (COMMIT included) and leaves the
            // transaction aborted; an error in COMMIT (a deferred constraint) rolls it back. The statement after
            // COMMIT cannot fail on a server where the writes before it succeeded. Nothing was written.
            throw;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException)
        {
            throw new CommitOutcomeUnknownException(orderId, ex);
        }
    }

    private static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static NpgsqlParameter<T> P<T>(T value) => new() { TypedValue = value };

    /// <summary>The one mapping of an order's columns (<see cref="OrderSql"/>: the first nine of every read) to a row.</summary>
    private static OrderRow ReadRow(NpgsqlDataReader reader, int lineCount) =>
        new(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), ParseStatus(reader.GetString(4)),
            reader.GetDecimal(5), Utc(reader.GetDateTime(6)), Utc(reader.GetDateTime(7)), reader.GetInt32(8), lineCount);

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private static OrderStatus ParseStatus(string name) =>
        OrderStatuses.TryParse(name, out var status) ? status : throw new InvalidOperationException($"Unknown order status '{name}' in the database.");
}

/// <summary>An idempotency key vanished between the insert that found it and the read of it (purged at that instant).</summary>
public sealed class IdempotencyKeyRaceException() : Exception("The idempotency key changed concurrently; retry the request.");
