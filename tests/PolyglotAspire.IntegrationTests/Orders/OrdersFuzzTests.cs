using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;

namespace PolyglotAspire.IntegrationTests.Orders;

/// <summary>
/// Random and hostile requests: each is invalid by construction (a valid body with at least one rule broken, broken
/// JSON, random bytes, wrong media types, oversized bodies, bad headers, bad query values, unknown ids). Every one
/// must be answered 4xx, and the database must not change. Runs on the fault fixture's own app so that the
/// whole-table counts are its own.
/// </summary>
[Collection(nameof(OrdersFaultGroup))]
public sealed class OrdersFuzzTests(OrdersFaultFixture fixture) : IDisposable
{
    private const int Cases = 1200;
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;
    private readonly OrdersClient _orders = new(fixture);

    private sealed record FuzzCase(string Kind, HttpMethod Method, string Path, byte[]? Body, string? ContentType, (string Name, string Value)[] Headers);

    [Fact]
    public async Task A_thousand_hostile_requests_get_only_4xx_and_write_nothing()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("ORDERS_FUZZ_SEED"), CultureInfo.InvariantCulture, out var s) ? s : Random.Shared.Next();
        var random = new Random(seed);
        var cases = Enumerable.Range(0, Cases).Select(_ => Generate(random)).ToList();
        var before = await SnapshotAsync();

        var failures = new ConcurrentBag<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = _ct }, async (fuzz, ct) =>
        {
            using var request = new HttpRequestMessage(fuzz.Method, fuzz.Path);
            if (fuzz.Body is not null)
            {
                request.Content = new ByteArrayContent(fuzz.Body);
                if (fuzz.ContentType is not null)
                {
                    request.Content.Headers.TryAddWithoutValidation("Content-Type", fuzz.ContentType);
                }
            }

            // A body over the limit is refused before it is sent (Kestrel answers 413 instead of 100 Continue), as an
            // HTTP client should send one; otherwise the 413 races the upload and the client may only see a reset.
            request.Headers.ExpectContinue = fuzz.Kind == "oversized";
            foreach (var (name, value) in fuzz.Headers)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            using var response = await _orders.Http.SendAsync(request, ct);
            var status = (int)response.StatusCode;
            statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            if (status is < 400 or > 499)
            {
                var body = await response.Content.ReadAsStringAsync(ct);
                failures.Add($"{fuzz.Kind}: {fuzz.Method} {fuzz.Path} ({fuzz.ContentType}) {Preview(fuzz.Body)} → {status} {body[..Math.Min(300, body.Length)]}");
            }
            else if (status != 431 && response.Content.Headers.ContentLength != 0)
            {
                // Everything the app answers (not Kestrel's own connection-level rejections) is a problem document.
                var mediaType = response.Content.Headers.ContentType?.MediaType;
                if (mediaType is not null && mediaType != "application/problem+json")
                {
                    failures.Add($"{fuzz.Kind}: {status} answered as {mediaType}");
                }
            }
        });

        Assert.True(failures.IsEmpty, $"seed {seed} (ORDERS_FUZZ_SEED): {failures.Count} of {Cases} requests were not a 4xx problem:{Environment.NewLine}{string.Join(Environment.NewLine, failures.Take(20))}");
        Assert.Equal(before, await SnapshotAsync());
        TestContext.Current.SendDiagnosticMessage($"fuzz seed {seed}: " + string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}")));
    }

    private async Task<(long Orders, long Lines, long Keys, long Outbox, DateTime? Latest)> SnapshotAsync()
    {
        await using var connection = new NpgsqlConnection(await fixture.ConnectionStringAsync("ordersdb"));
        await connection.OpenAsync(_ct);
        await using var command = new NpgsqlCommand(
            "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM order_lines), (SELECT count(*) FROM idempotency_keys), " +
            "(SELECT count(*) FROM outbox), (SELECT max(updated_at) FROM orders)", connection);
        await using var reader = await command.ExecuteReaderAsync(_ct);
        await reader.ReadAsync(_ct);
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.IsDBNull(4) ? null : reader.GetDateTime(4));
    }

    private static string Preview(byte[]? body) =>
        body is null ? "(no body)" : Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 200)).ReplaceLineEndings(" ");

    private static JsonObject ValidOrder(Random random) => new()
    {
        ["customerId"] = "fuzz-" + random.Next(1000),
        ["region"] = "eu-west",
        ["currency"] = "EUR",
        ["lines"] = new JsonArray(Enumerable.Range(0, random.Next(1, 4)).Select(i => (JsonNode)new JsonObject
        {
            ["sku"] = "SKU-" + i,
            ["quantity"] = random.Next(1, 10),
            ["unitPrice"] = Math.Round(random.NextDouble() * 100, 2),
        }).ToArray()),
    };

    private static readonly string[] RequiredFields = ["customerId", "region", "currency", "lines"];
    private static readonly string[] LineFields = ["sku", "quantity", "unitPrice"];

    /// <summary>Each mutation leaves the order invalid whatever came before it; a case applies one to three of them.</summary>
    private static readonly Action<Random, JsonObject>[] Mutations =
    [
        (r, o) => o.Remove(Pick(r, RequiredFields)),
        (r, o) => o[Pick(r, RequiredFields)] = null,
        (r, o) => o[Pick(r, RequiredFields)] = WrongType(r, "x"),
        (r, o) => o["customerId"] = Pick(r, ["", "   ", new string('c', 65), "a\u0000b", "esc\u001b", " lead", "trail ", "tab\tin"]),
        (r, o) => o["region"] = Pick(r, ["", "eu west", new string('r', 33), "région", "a/b", "a.b"]),
        (r, o) => o["currency"] = Pick(r, ["eur", "XXX", "EU", "EURO", "€", "", "E R"]),
        (r, o) => o["lines"] = new JsonArray(),
        (r, o) => o["lines"] = new JsonArray(Enumerable.Range(0, 101).Select(i => (JsonNode)new JsonObject { ["sku"] = "S" + i, ["quantity"] = 1, ["unitPrice"] = 1 }).ToArray()),
        (r, o) => o["lines"] = new JsonArray(new JsonObject { ["sku"] = "S", ["quantity"] = 1, ["unitPrice"] = 1 }, null),
        (r, o) => o["lines"] = Pick<JsonNode>(r, [JsonValue.Create("lines"), new JsonObject { ["sku"] = "S" }, JsonValue.Create(3)]),
        (r, o) => Line(r, o).Remove(Pick(r, LineFields)),
        (r, o) => Line(r, o)[Pick(r, LineFields)] = null,
        (r, o) => Line(r, o)["sku"] = Pick(r, ["", new string('s', 65), "s\u0007", " s", "\u0001" + r.Next()]),
        (r, o) => Line(r, o)["quantity"] = Pick<JsonNode>(r, [0, -5, 10_001, JsonValue.Create(2_147_483_648L), 1.5, "3", true]),
        (r, o) => Line(r, o)["unitPrice"] = Pick<JsonNode>(r, [-0.01, 1.001, 1_000_000_000.01, 1e30, "1", false, JsonValue.Create(-1)]),
        (r, o) => o["unexpected" + r.Next(100)] = r.Next(),
        (r, o) => Line(r, o)["discount"] = 5,
    ];

    /// <summary>Mutations of the JSON text of a valid order (applied alone).</summary>
    private static readonly Func<Random, string, string>[] TextMutations =
    [
        (_, t) => "{\"customerId\":\"dup\"," + t[1..],
        (r, t) => t.Replace("\"unitPrice\":", "\"unitPrice\":1e" + r.Next(29, 400) + ",\"x\":", StringComparison.Ordinal),
        (_, t) => t.Replace("fuzz-", "fuzz-\\ud800", StringComparison.Ordinal),
        (_, t) => t.Replace("fuzz-", "fuzz-\\u0000", StringComparison.Ordinal),
        (_, t) => t.Replace("\"quantity\":", "\"quantity\":\"", StringComparison.Ordinal),
    ];

    private static FuzzCase Generate(Random random)
    {
        var kind = random.Next(100);
        var json = "application/json";
        switch (kind)
        {
            case < 40: // a valid order with one to three rules broken
            {
                var order = ValidOrder(random);
                if (random.Next(4) == 0)
                {
                    return Post("text-mutation", Encoding.UTF8.GetBytes(Pick(random, TextMutations)(random, order.ToJsonString())), json);
                }

                for (var i = random.Next(1, 4); i > 0; i--)
                {
                    Pick(random, Mutations)(random, order);
                }

                return Post("mutation", Encoding.UTF8.GetBytes(order.ToJsonString()), json);
            }

            case < 48: // broken JSON: truncated, or trailing garbage
            {
                var text = ValidOrder(random).ToJsonString();
                text = random.Next(2) == 0 ? text[..random.Next(0, text.Length - 1)] : text + Pick(random, ["x", "}", "]", ",{}", "null", "\u0000"]);
                return Post("broken-json", Encoding.UTF8.GetBytes(text), json);
            }

            case < 56: // random bytes
            {
                var bytes = new byte[random.Next(1, 2048)];
                random.NextBytes(bytes);
                return Post("random-bytes", bytes, Pick(random, [json, "application/json; charset=utf-8"]));
            }

            case < 64: // random JSON that is not an order
                return Post("random-json", Encoding.UTF8.GetBytes(RandomJson(random, 0)?.ToJsonString() ?? "null"), json);

            case < 67: // nesting beyond the serializer's depth
            {
                var depth = random.Next(65, 5000);
                var open = random.Next(2) == 0 ? "[" : "{\"a\":";
                var close = open == "[" ? "]" : "}";
                return Post("deep", Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(open, depth)) + "1" + string.Concat(Enumerable.Repeat(close, depth))), json);
            }

            case < 70: // oversized
                return Post("oversized", Encoding.UTF8.GetBytes("{\"customerId\":\"" + new string('x', random.Next(70_000, 400_000)) + "\"}"), json);

            case < 76: // a valid order in a media type that is not JSON
                return Post("media-type", Encoding.UTF8.GetBytes(ValidOrder(random).ToJsonString()),
                    Pick<string?>(random, ["text/plain", "application/xml", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "application/octet-stream", null, "json", "*/*"]));

            case < 81: // a valid order with an invalid Idempotency-Key
                return Post("idempotency-key", Encoding.UTF8.GetBytes(ValidOrder(random).ToJsonString()), json,
                    ("Idempotency-Key", Pick(random, ["has space", new string('k', 256), "tab\there", "", " "])));

            case < 88: // status changes of orders that do not exist, or hostile bodies / If-Match
            {
                var body = Pick(random, ["{\"status\":\"paid\"}", "{\"status\":\"lost\"}", "{}", "{\"status\":null}", "[]", "{\"status\":\"paid\",\"x\":1}", "garbage"]);
                var headers = random.Next(2) == 0 ? [] : new[] { ("If-Match", Pick(random, ["\"1\"", "abc", "W/x", "\"\"", "-1", "*"])) };
                return new FuzzCase("status", HttpMethod.Post, $"/api/orders/{Guid.NewGuid()}/status", Encoding.UTF8.GetBytes(body),
                    Pick<string?>(random, [json, "text/plain"]), headers);
            }

            case < 92: // deletes of orders that do not exist
                return new FuzzCase("delete", HttpMethod.Delete, $"/api/orders/{(random.Next(3) == 0 ? "not-a-guid" : Guid.NewGuid())}", null, null,
                    random.Next(2) == 0 ? [] : [("If-Match", Pick(random, ["\"1\"", "zzz", "*"]))]);

            case < 97: // list queries that break a rule
                return new FuzzCase("query", HttpMethod.Get, "/api/orders?" + Pick(random,
                [
                    "limit=0", "limit=-1", "limit=101", "limit=abc", "limit=1e3", "limit=99999999999", "status=NEW", "status=paid%20", "status=x",
                    "after=" + new string('A', random.Next(1, 40)) + "%21", "after=short", "customerId=" + new string('c', 65), "customerId=%00", "customerId=%20x",
                    "after=" + Uri.EscapeDataString(HostileCursor(random)), "after=" + Uri.EscapeDataString(HostileCursor(random)),
                ]), null, null, []);

            default: // methods and paths that do not exist
                return new FuzzCase("route", Pick(random, [HttpMethod.Put, HttpMethod.Patch, HttpMethod.Get]),
                    Pick(random, ["/api/orders/" + Guid.NewGuid() + "/status", "/api/orders/x/y/z", "/api/order", "/api/orders/%00"]),
                    Encoding.UTF8.GetBytes("{}"), json, []);
        }
    }

    private static FuzzCase Post(string kind, byte[] body, string? contentType, params (string, string)[] headers) =>
        new(kind, HttpMethod.Post, "/api/orders", body, contentType, headers);

    /// <summary>A line of the order to break (one is put back first if an earlier mutation removed them all).</summary>
    private static JsonObject Line(Random random, JsonObject order)
    {
        if (order["lines"] is JsonArray { Count: > 0 } lines && lines[random.Next(lines.Count)] is JsonObject line)
        {
            return line;
        }

        line = new JsonObject { ["sku"] = "S", ["quantity"] = 1, ["unitPrice"] = 1 };
        order["lines"] = new JsonArray(line);
        return line;
    }

    private static JsonNode? WrongType(Random random, string field) => Pick<JsonNode?>(random, [JsonValue.Create(42), JsonValue.Create(true), new JsonArray(field), new JsonObject { [field] = 1 }]);

    private static JsonNode? RandomJson(Random random, int depth) => random.Next(depth > 3 ? 4 : 7) switch
    {
        0 => JsonValue.Create(random.Next()),
        1 => JsonValue.Create(Convert.ToBase64String(BitConverter.GetBytes(random.NextDouble()))),
        2 => JsonValue.Create(random.Next(2) == 0),
        3 => null,
        4 or 5 => new JsonObject(Enumerable.Range(0, random.Next(0, 5)).Select(i => KeyValuePair.Create("k" + random.Next(1000) + "_" + i, RandomJson(random, depth + 1)))),
        _ => new JsonArray(Enumerable.Range(0, random.Next(0, 5)).Select(_ => RandomJson(random, depth + 1)).ToArray()),
    };

    /// <summary>A cursor of exactly the right length (so it reaches the decoder) with at least one character base64url does not have.</summary>
    private static string HostileCursor(Random random)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        const string invalid = "+/=!.~ *%\"\\é";
        var chars = Enumerable.Range(0, 23).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray();
        chars[random.Next(chars.Length)] = invalid[random.Next(invalid.Length)];
        return new string(chars);
    }

    private static T Pick<T>(Random random, T[] values) => values[random.Next(values.Length)];

    public void Dispose() => _orders.Dispose();
}
