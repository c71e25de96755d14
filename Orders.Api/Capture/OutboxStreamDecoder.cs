using System.Globalization;
using System.Runtime.CompilerServices;
using Npgsql.Replication.PgOutput.Messages;

namespace PolyglotAspire.OrdersApi.Capture;

/// <summary>An outbox row as the WAL delivered it: the order (the Kafka key) and its envelope, bytes untouched.</summary>
internal readonly record struct CapturedEvent(Guid OrderId, byte[] Payload);

/// <summary>What the relay publishes, in WAL order: a committed transaction's events, or a heartbeat.</summary>
internal abstract record CapturedChange;

/// <summary>A committed transaction's outbox rows, with its commit end LSN and commit time (both known only at COMMIT).</summary>
internal sealed record CapturedTransaction(ulong CommitLsn, long CommitTimeMs, IReadOnlyList<CapturedEvent> Events) : CapturedChange;

/// <summary>A heartbeat (contracts §2): its message LSN and the source time (unix ms) it was emitted at.</summary>
internal sealed record CapturedHeartbeat(ulong Lsn, long TimeMs) : CapturedChange;

/// <summary>The pgoutput messages the decoder acts on, copied out of Npgsql's (which live only until the next one is read).</summary>
internal abstract record WalMessage
{
    public sealed record Begin : WalMessage;

    public sealed record OutboxInsert(Guid OrderId, byte[]? Payload) : WalMessage;

    public sealed record Commit(ulong EndLsn, DateTime Timestamp) : WalMessage;

    /// <summary>A non-transactional logical decoding message with the heartbeat prefix; its content as text.</summary>
    public sealed record Heartbeat(ulong Lsn, string Content) : WalMessage;
}

/// <summary>
/// Decodes the pgoutput stream (publication on the outbox, inserts only, <c>messages = true</c>) into what the relay
/// publishes: each transaction's outbox inserts at its COMMIT, and each heartbeat. One decoder per session: it holds
/// the transaction being read.
/// </summary>
internal sealed class OutboxStreamDecoder
{
    private List<CapturedEvent>? _transaction; // null between a COMMIT and the next BEGIN

    public static async IAsyncEnumerable<CapturedChange> DecodeAsync(
        IAsyncEnumerable<PgOutputReplicationMessage> stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var decoder = new OutboxStreamDecoder();
        await foreach (var message in stream.WithCancellation(cancellationToken))
        {
            if (await ReadAsync(message, cancellationToken) is { } read && decoder.Decode(read) is { } change)
            {
                yield return change;
            }
        }
    }

    /// <summary>Takes the next message; returns a change when one is complete.</summary>
    public CapturedChange? Decode(WalMessage message)
    {
        switch (message)
        {
            case WalMessage.Begin:
                _transaction = new List<CapturedEvent>(4);
                return null;

            case WalMessage.OutboxInsert insert when _transaction is not null:
                _transaction.Add(new CapturedEvent(insert.OrderId, insert.Payload ?? throw new InvalidDataException("An outbox row without payload.")));
                return null;

            case WalMessage.Commit commit when _transaction is { } events:
                _transaction = null;
                return new CapturedTransaction(commit.EndLsn, new DateTimeOffset(commit.Timestamp, TimeSpan.Zero).ToUnixTimeMilliseconds(), events);

            case WalMessage.Heartbeat heartbeat when long.TryParse(heartbeat.Content, NumberStyles.Integer, CultureInfo.InvariantCulture, out var timeMs):
                return new CapturedHeartbeat(heartbeat.Lsn, timeMs);

            default:
                return null;
        }
    }

    private static async ValueTask<WalMessage?> ReadAsync(PgOutputReplicationMessage message, CancellationToken cancellationToken)
    {
        switch (message)
        {
            case BeginMessage:
                return new WalMessage.Begin();

            case InsertMessage { Relation.RelationName: "outbox" } insert:
                Guid orderId = default;
                byte[]? payload = null;
                await foreach (var value in insert.NewRow.WithCancellation(cancellationToken))
                {
                    switch (value.GetFieldName())
                    {
                        case "order_id":
                            orderId = await value.Get<Guid>(cancellationToken);
                            break;
                        case "payload":
                            payload = await value.Get<byte[]>(cancellationToken);
                            break;
                        default:
                            await value.Get<object>(cancellationToken);
                            break;
                    }
                }

                return new WalMessage.OutboxInsert(orderId, payload);

            case CommitMessage commit:
                return new WalMessage.Commit((ulong)commit.TransactionEndLsn, commit.TransactionCommitTimestamp);

            // Flag bit 1 = transactional: heartbeats are emitted outside any transaction.
            case LogicalDecodingMessage { Prefix: CaptureRelayOptions.HeartbeatPrefix } heartbeat when (heartbeat.Flags & 1) == 0:
                using (var text = new StreamReader(heartbeat.Data, leaveOpen: true))
                {
                    return new WalMessage.Heartbeat((ulong)heartbeat.MessageLsn, await text.ReadToEndAsync(cancellationToken));
                }

            default:
                return null;
        }
    }
}
