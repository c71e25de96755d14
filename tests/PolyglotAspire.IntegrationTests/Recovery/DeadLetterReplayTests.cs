using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Aspire.Hosting.Testing;
using Confluent.Kafka;
using Npgsql;
using PolyglotAspire.AppHost.Operations;
using PolyglotAspire.Contracts;

namespace PolyglotAspire.IntegrationTests.Recovery;

/// <summary>
/// <c>POST /api/admin/dead-letters/replay</c> on real engines: an order whose only event was dead-lettered reaches
/// ClickHouse once replayed, a letter still undecodable stays and is reported, a second replay reads nothing, and one
/// from the beginning counts the order once all the same.
/// </summary>
[Collection(nameof(RecoveryTestGroup))]
public sealed class DeadLetterReplayTests(RecoveryFixture fixture)
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Replayed_dead_letters_reach_ClickHouse_once_and_undecodable_ones_are_reported()
    {
        // An order in PostgreSQL whose event ClickHouse never got: it was dead-lettered (here: put there by the test).
        var created = new DateTime(DateTime.UtcNow.Year, DateTime.UtcNow.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(-40).AddDays(4);
        var id = Guid.CreateVersion7(created);
        await using (var connection = new NpgsqlConnection(await fixture.PostgresAsync()))
        {
            await connection.OpenAsync(_ct);
            await using var insert = new NpgsqlCommand(
                "INSERT INTO orders (id, customer_id, region, currency, status, total, created_at, updated_at, version) VALUES ($1, 'C-dlq', 'dlq-east', 'EUR', 'paid', 31.50, $2, $2, 1)", connection);
            insert.Parameters.Add(new NpgsqlParameter { Value = id });
            insert.Parameters.Add(new NpgsqlParameter { Value = created });
            await insert.ExecuteNonQueryAsync(_ct);
        }

        var envelope = OrderEventSerializer.Serialize(new OrderEvent
        {
            EventId = Guid.NewGuid(), EventType = OrderEventType.Created, OrderId = id, OrderVersion = 1, CommitLsn = 1, CommitTimeMs = 1,
            CustomerId = "C-dlq", Region = "dlq-east", Currency = "EUR", Status = "paid", TotalCents = 3150,
            CreatedAtMs = new DateTimeOffset(created).ToUnixTimeMilliseconds(),
        });
        await ProduceAsync(Record(envelope), Record(Encoding.UTF8.GetBytes("still not an envelope")));

        var reconciliation = new ReconciliationClient(fixture.App.CreateHttpClient("analytics-api"));
        var (from, to) = (created.Date, created.Date);
        Assert.Single((await reconciliation.RunAsync(_ct, from, to)).Differences);

        var command = await fixture.App.ResourceCommands.ExecuteCommandAsync("sync-worker", OperationCommands.ReplayDeadLetters, _ct);
        Assert.True(command.Success, command.Message);
        Assert.Equal("1 replayed, 1 still undecodable", command.Message);
        var after = await reconciliation.RunAsync(_ct, from, to);
        Assert.True(after.Differences.Count == 0, after.Raw);

        using var worker = fixture.App.CreateHttpClient("sync-worker");
        var last = await worker.GetFromJsonAsync<JsonElement>("/api/admin/dead-letters/replay", _ct);
        var letter = Assert.Single(last.GetProperty("letters").EnumerateArray());
        Assert.False(string.IsNullOrEmpty(letter.GetProperty("reason").GetString()));

        var again = await ReplayAsync(worker, new { });
        Assert.Equal(0, again.GetProperty("read").GetInt64()); // its offsets were committed

        var fromBeginning = await ReplayAsync(worker, new { fromBeginning = true });
        Assert.Equal((1, 1), (fromBeginning.GetProperty("replayed").GetInt64(), fromBeginning.GetProperty("undecodable").GetInt64()));
        var once = await reconciliation.RunAsync(_ct, from, to);
        Assert.True(once.Differences.Count == 0, once.Raw); // replayed twice, counted once
    }

    private async Task<JsonElement> ReplayAsync(HttpClient worker, object body)
    {
        using var response = await worker.PostAsJsonAsync("/api/admin/dead-letters/replay", body, _ct);
        var text = await response.Content.ReadAsStringAsync(_ct);
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The worker's dead-letter record (Sync.Worker/README.md) around <paramref name="original"/>.</summary>
    private static byte[] Record(byte[] original) => JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
    {
        ["format"] = "polyglot.dead-letter/1", ["topic"] = Topics.OrderEvents, ["partition"] = 0, ["offset"] = 0, ["value"] = Convert.ToBase64String(original),
    });

    private async Task ProduceAsync(params byte[][] values)
    {
        var config = await fixture.KafkaConfigAsync<ProducerConfig>();
        config.Acks = Acks.All;
        using var producer = new ProducerBuilder<Null, byte[]>(config).SetLogHandler((_, _) => { }).Build();
        foreach (var value in values)
        {
            await producer.ProduceAsync(Topics.OrderEventsDeadLetter, new Message<Null, byte[]> { Value = value }, _ct);
        }
    }
}
