using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Aspire.Hosting.Testing;
using Confluent.Kafka;
using Npgsql;
using PolyglotAspire.Contracts;
using PolyglotAspire.IntegrationTests.Infrastructure;

namespace PolyglotAspire.IntegrationTests.Orders;

// The API's JSON shapes, as a client sees them (the test project does not reference Orders.Api).
public sealed record OrderLineDto(string Sku, int Quantity, decimal UnitPrice);

public sealed record OrderDto(
    Guid Id, string CustomerId, string Region, string Currency, string Status, decimal Total,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, int Version, List<OrderLineDto>? Lines, int? LineCount, string? ConsistencyToken);

public sealed record OrderPageDto(List<OrderDto> Items, string? Next);

public sealed record DeletedDto(Guid Id, int Version, string ConsistencyToken);

public sealed record ProblemDto(string? Type, string? Title, int? Status, string? Detail, Dictionary<string, string[]>? Errors);

/// <summary>A typed view of the API for tests, plus direct PostgreSQL access to check what was (not) written.</summary>
public sealed class OrdersClient(AppFixture fixture) : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public HttpClient Http { get; } = fixture.App.CreateHttpClient("orders-api");

    public static object Body(string customerId, params (string Sku, int Quantity, decimal UnitPrice)[] lines) => new
    {
        customerId,
        region = "eu-west",
        currency = "EUR",
        lines = (lines.Length == 0 ? [("SKU-1", 2, 9.99m)] : lines).Select(l => new { sku = l.Sku, quantity = l.Quantity, unitPrice = l.UnitPrice }),
    };

    public async Task<HttpResponseMessage> PostAsync(object body, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders") { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }

        return await Http.SendAsync(request, cancellationToken);
    }

    public async Task<OrderDto> CreateAsync(string customerId, CancellationToken cancellationToken, params (string Sku, int Quantity, decimal UnitPrice)[] lines)
    {
        using var response = await PostAsync(Body(customerId, lines), cancellationToken: cancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        return (await response.Content.ReadFromJsonAsync<OrderDto>(Json, cancellationToken))!;
    }

    public async Task<HttpResponseMessage> ChangeStatusAsync(Guid id, string status, string? ifMatch = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/orders/{id}/status") { Content = JsonContent.Create(new { status }) };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return await Http.SendAsync(request, cancellationToken);
    }

    public async Task<HttpResponseMessage> DeleteAsync(Guid id, string? ifMatch = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"/api/orders/{id}");
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return await Http.SendAsync(request, cancellationToken);
    }

    public async Task<HttpResponseMessage> PostRawAsync(string path, string content, string? contentType = "application/json", CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(content)) };
        if (contentType is not null)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        return await Http.SendAsync(request, cancellationToken);
    }

    public static async Task<ProblemDto> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonSerializer.Deserialize<ProblemDto>(text, Json)!;
        Assert.Equal((int)expected, problem.Status);
        Assert.False(string.IsNullOrEmpty(problem.Title));
        return problem;
    }

    /// <summary>Rows of a customer (orders, their lines) and idempotency keys with a prefix: to prove nothing was written.</summary>
    public async Task<(long Orders, long Lines, long Keys)> CountAsync(string customerId, string? keyPrefix = null, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(await fixture.ConnectionStringAsync("ordersdb"));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT (SELECT count(*) FROM orders WHERE customer_id = $1), " +
            "(SELECT count(*) FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.customer_id = $1), " +
            "(SELECT count(*) FROM idempotency_keys WHERE key LIKE $2)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = customerId });
        command.Parameters.Add(new NpgsqlParameter { Value = (keyPrefix ?? "\u0001never") + "%" });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    /// <summary>Runs SQL on the orders database as the test's superuser (for faults injected in the database, and their clean-up).</summary>
    public async Task ExecuteSqlAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(await fixture.ConnectionStringAsync("ordersdb"));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public void Dispose() => Http.Dispose();
}

/// <summary>One message of <c>orders.events</c> as the tests see it.</summary>
public sealed record CapturedMessage(int Partition, long Offset, byte[]? Key, OrderEvent Event);

/// <summary>
/// Reads <c>orders.events</c> from positions taken before a test acted, until the relay's heartbeats prove that every
/// change committed up to a consistency token was published (contracts §2: a heartbeat with CommitLsn ≥ token on
/// every partition). No sleeps: the barrier is the contract itself.
/// </summary>
public sealed class OrderEventsReader
{
    private readonly AppFixture _fixture;
    private readonly List<TopicPartitionOffset> _start;

    private OrderEventsReader(AppFixture fixture, List<TopicPartitionOffset> start) => (_fixture, _start) = (fixture, start);

    public int Partitions => _start.Count;

    /// <summary>Remembers the end of every partition now: later reads see only what comes after.</summary>
    public static async Task<OrderEventsReader> FromNowAsync(AppFixture fixture)
    {
        var config = await fixture.KafkaConfigAsync<ConsumerConfig>();
        config.GroupId = "orders-tests-" + Guid.NewGuid().ToString("N");
        return await Task.Run(() =>
        {
            using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
            using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
            var partitions = admin.GetMetadata(Topics.OrderEvents, TimeSpan.FromSeconds(20)).Topics.Single().Partitions;
            var start = partitions.Select(p => new TopicPartition(Topics.OrderEvents, new Partition(p.PartitionId)))
                .Select(tp => new TopicPartitionOffset(tp, consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(20)).High))
                .ToList();
            return new OrderEventsReader(fixture, start);
        });
    }

    /// <summary>Every message since the start, until each partition carries a heartbeat at or past <paramref name="token"/>.</summary>
    public async Task<List<CapturedMessage>> ReadUntilAsync(string token, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Assert.True(ConsistencyToken.TryParse(token, out var barrier), token);
        var config = await _fixture.KafkaConfigAsync<ConsumerConfig>();
        config.GroupId = "orders-tests-" + Guid.NewGuid().ToString("N");
        config.EnableAutoCommit = false;
        config.FetchWaitMaxMs = 50;
        return await Task.Factory.StartNew(() =>
        {
            using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
            consumer.Assign(_start);
            var messages = new List<CapturedMessage>();
            var caughtUp = new HashSet<int>();
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            while (caughtUp.Count < _start.Count)
            {
                if (deadline.IsCancellationRequested)
                {
                    Assert.Fail($"No heartbeat at or past {barrier} on partitions {string.Join(",", Enumerable.Range(0, _start.Count).Except(caughtUp))} within {timeout}; {messages.Count} messages read. orders-api logs:{Environment.NewLine}{_fixture.RecentLogs("orders-api")}");
                }

                var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (result?.Message is null)
                {
                    continue;
                }

                var envelope = OrderEventSerializer.Deserialize(result.Message.Value);
                messages.Add(new CapturedMessage(result.Partition.Value, result.Offset.Value, result.Message.Key, envelope));
                if (envelope.EventType == OrderEventType.Heartbeat && envelope.CommitLsn >= barrier.Lsn)
                {
                    caughtUp.Add(result.Partition.Value);
                }
            }

            consumer.Close();
            return messages;
        }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }
}

public static class DeliveryAssertions
{
    /// <summary>
    /// At-least-once with order per key: per order, the first occurrences of its versions appear as 1, 2, 3 … with no
    /// gap and never out of order; repeats (a replay after a crash or a producer retry) may follow, never precede. A
    /// replay re-sends a suffix of the WAL, in order, so every delivery of a version is followed, later, by the next
    /// version — until the last: an older version delivered after a newer one and never followed by it again (a
    /// consumer would end on the older one) fails. The last version seen is <paramref name="expectedLastVersion"/>.
    /// Returns how many messages were repeats.
    /// </summary>
    public static int AssertOrderedWithoutLoss(IEnumerable<CapturedMessage> messages, IReadOnlyDictionary<Guid, int> expectedLastVersion)
    {
        var repeats = 0;
        var byOrder = messages.Where(m => m.Event.EventType != OrderEventType.Heartbeat && expectedLastVersion.ContainsKey(m.Event.OrderId))
            .GroupBy(m => m.Event.OrderId).ToDictionary(g => g.Key, g => g.OrderBy(m => m.Offset).ToList());
        foreach (var (orderId, lastVersion) in expectedLastVersion)
        {
            Assert.True(byOrder.TryGetValue(orderId, out var sequence), $"no event at all for order {orderId}");
            Assert.Single(sequence.Select(m => m.Partition).Distinct());
            var versions = string.Join(",", sequence.Select(m => m.Event.OrderVersion));
            var highest = 0;
            foreach (var message in sequence)
            {
                var version = message.Event.OrderVersion;
                if (version <= highest)
                {
                    repeats++;
                    continue;
                }

                Assert.True(version == highest + 1, $"order {orderId}: version {version} after {highest} (gap or reorder): {versions}");
                highest = version;
            }

            Assert.True(highest == lastVersion, $"order {orderId}: last version published {highest}, expected {lastVersion}");

            var later = new HashSet<int>();
            for (var i = sequence.Count - 1; i >= 0; i--)
            {
                var version = sequence[i].Event.OrderVersion;
                Assert.True(version == lastVersion || later.Contains(version + 1),
                    $"order {orderId}: version {version} delivered after a newer one and never followed by version {version + 1} again: {versions}");
                later.Add(version);
            }
        }

        return repeats;
    }

    public static byte[] KeyOf(Guid orderId)
    {
        var key = new byte[16];
        orderId.TryWriteBytes(key, bigEndian: true, out _);
        return key;
    }
}
