using System.Net;
using System.Net.Http.Json;
using Npgsql;
using PolyglotAspire.Contracts;
using PolyglotAspire.IntegrationTests.Infrastructure;

namespace PolyglotAspire.IntegrationTests.Orders;

/// <summary>The write API on the shared app (real PostgreSQL): behaviour, validation, idempotency, transitions, paging.</summary>
[Collection(nameof(AppTestGroup))]
public sealed class OrdersApiTests(AppFixture fixture) : IDisposable
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;
    private readonly OrdersClient _orders = new(fixture);

    private static string Customer() => "it-" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task Creating_an_order_answers_201_with_the_order_its_location_etag_and_consistency_token()
    {
        var customer = Customer();
        using var response = await _orders.PostAsync(OrdersClient.Body(customer, ("SKU-1", 3, 1.5m), ("SKU-2", 1, 10m)), cancellationToken: _ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var order = (await response.Content.ReadFromJsonAsync<OrderDto>(OrdersClient.Json, _ct))!;

        Assert.Equal(7, order.Id.Version);
        Assert.Equal(new Uri($"/api/orders/{order.Id}", UriKind.Relative), response.Headers.Location);
        Assert.Equal("\"1\"", response.Headers.ETag?.ToString());
        Assert.Equal(("new", 1, 14.50m, customer), (order.Status, order.Version, order.Total, order.CustomerId));
        Assert.Equal([new OrderLineDto("SKU-1", 3, 1.50m), new OrderLineDto("SKU-2", 1, 10.00m)], order.Lines);
        Assert.Equal(order.CreatedAt, order.UpdatedAt);
        Assert.True(ConsistencyToken.TryParse(order.ConsistencyToken, out var token));
        Assert.Equal(order.ConsistencyToken, response.Headers.GetValues("X-Consistency-Token").Single());

        // A real WAL position of this server (that it is at or past the write's commit is checked against the
        // commit LSN the relay publishes, in CaptureRelayTests).
        await using var connection = new NpgsqlConnection(await fixture.ConnectionStringAsync("ordersdb"));
        await connection.OpenAsync(_ct);
        await using var command = new NpgsqlCommand("SELECT pg_current_wal_insert_lsn() >= $1::pg_lsn", connection) { Parameters = { new() { Value = order.ConsistencyToken } } };
        Assert.True((bool)(await command.ExecuteScalarAsync(_ct))!);
        Assert.True(token.Lsn > 0);

        var read = (await _orders.Http.GetFromJsonAsync<OrderDto>($"/api/orders/{order.Id}", OrdersClient.Json, _ct))!;
        Assert.Equal(order with { ConsistencyToken = null }, read with { Lines = order.Lines });
        Assert.Equal(order.Lines, read.Lines);
    }

    [Fact]
    public async Task The_outbox_table_stays_empty()
    {
        await _orders.CreateAsync(Customer(), _ct);
        await using var connection = new NpgsqlConnection(await fixture.ConnectionStringAsync("ordersdb"));
        await connection.OpenAsync(_ct);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM outbox", connection);
        Assert.Equal(0L, await command.ExecuteScalarAsync(_ct));
    }

    [Fact]
    public async Task An_unknown_order_is_a_404_problem()
    {
        using var response = await _orders.Http.GetAsync(new Uri($"/api/orders/{Guid.NewGuid()}", UriKind.Relative), _ct);
        await OrdersClient.ProblemAsync(response, HttpStatusCode.NotFound, _ct);
    }

    public static TheoryData<string, string> InvalidBodies() => new()
    {
        { """{"region":"eu-west","currency":"EUR","lines":[{"sku":"A","quantity":1,"unitPrice":1}]}""", "customerId" },
        { """{"customerId":"@C","currency":"EUR","lines":[{"sku":"A","quantity":1,"unitPrice":1}]}""", "region" },
        { """{"customerId":"@C","region":"eu west","currency":"EUR","lines":[{"sku":"A","quantity":1,"unitPrice":1}]}""", "region" },
        { """{"customerId":"@C","region":"eu","currency":"eur","lines":[{"sku":"A","quantity":1,"unitPrice":1}]}""", "currency" },
        { """{"customerId":"@C","region":"eu","currency":"XYZ","lines":[{"sku":"A","quantity":1,"unitPrice":1}]}""", "currency" },
        { """{"customerId":"@C","region":"eu","currency":"EUR"}""", "lines" },
        { """{"customerId":"@C","region":"eu","currency":"EUR","lines":[]}""", "lines" },
        { """{"customerId":"@C","region":"eu","currency":"EUR","lines":[null]}""", "lines[0]" },
        { """{"customerId":"@C","region":"eu","currency":"EUR","lines":[{"quantity":1,"unitPrice":1}]}""", "lines[0].sku" },
        { """{"customerId":"@C","region":"eu","currency":"EUR","lines":[{"sku":"A\u0000B","quantity":1,"unitPrice":1}]}""", "lines[0].sku" },
        { """{"customerId":"@C","region":"eu","currency":"EUR","lines":[{"sku":"A","quantity":0,"unitPrice":1}]}""", "lines[0].quantity" },
        { """{"customerId":"@C","region":"eu","currency":"EUR","lines":[{"sku":"A","quantity":10001,"unitPrice":1}]}""", "lines[0].quantity" },
        { """{"customerId":"@C","region":"eu","currency":"EUR","lines":[{"sku":"A","quantity":1,"unitPrice":-1}]}""", "lines[0].unitPrice" },
        { """{"customerId":"@C","region":"eu","currency":"EUR","lines":[{"sku":"A","quantity":1,"unitPrice":1.005}]}""", "lines[0].unitPrice" },
        { """{"customerId":"@C","region":"eu","currency":"EUR","lines":[{"sku":"A","quantity":1}]}""", "lines[0].unitPrice" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task Each_validation_rule_answers_400_naming_the_field_and_writes_nothing(string template, string field)
    {
        var customer = Customer();
        using var response = await _orders.PostRawAsync("/api/orders", template.Replace("@C", customer, StringComparison.Ordinal), cancellationToken: _ct);
        var problem = await OrdersClient.ProblemAsync(response, HttpStatusCode.BadRequest, _ct);
        Assert.NotNull(problem.Errors);
        Assert.Contains(field, problem.Errors.Keys);
        Assert.All(problem.Errors.Values.SelectMany(v => v), message => Assert.False(string.IsNullOrWhiteSpace(message)));
        Assert.Equal((0, 0, 0), await _orders.CountAsync(customer, cancellationToken: _ct));
    }

    [Fact]
    public async Task One_hundred_lines_are_accepted_and_one_hundred_and_one_are_not()
    {
        var customer = Customer();
        var lines = Enumerable.Range(1, 100).Select(i => ($"SKU-{i}", 1, 0.01m)).ToArray();
        var order = await _orders.CreateAsync(customer, _ct, lines);
        Assert.Equal(1.00m, order.Total);
        Assert.Equal(100, order.Lines!.Count);

        using var response = await _orders.PostAsync(OrdersClient.Body(customer, [.. lines, ("SKU-101", 1, 0.01m)]), cancellationToken: _ct);
        Assert.Contains("lines", (await OrdersClient.ProblemAsync(response, HttpStatusCode.BadRequest, _ct)).Errors!.Keys);
        Assert.Equal((1, 100, 0), await _orders.CountAsync(customer, cancellationToken: _ct));
    }

    [Theory]
    [InlineData("""{"customerId":"@C","region":"eu","currency":"EUR","lines":[{"sku":"A","quantity":1,"unitPrice":1}],"discount":5}""", "Unknown field")]
    [InlineData("""{"customerId":"@C","region":"eu","currency":"EUR","lines":[{"sku":"A","quantity":1,"unitPrice":1,"note":"x"}]}""", "Unknown field")]
    [InlineData("""{"customerId":"@C","customerId":"@C","region":"eu","currency":"EUR","lines":[{"sku":"A","quantity":1,"unitPrice":1}]}""", "Duplicate field")]
    [InlineData("""{"customerId":"@C","region":"eu","currency":"EUR","lines":[{"sku":"A","quantity":"1","unitPrice":1}]}""", "wrong type")]
    [InlineData("""{"customerId":"@C","region":"eu","currency":"EUR","lines":[{"sku":"A","quantity":1.5,"unitPrice":1}]}""", "wrong type")]
    [InlineData("""{"customerId":"@C","region":"eu","currency":"EUR","lines":[{"sku":"A","quantity":1,"unitPrice":1e400}]}""", "wrong type")]
    [InlineData("""{"customerId":"@C","region":"eu","currency":"EUR","lines":[{"sku":"A","quantity":1,"unitPrice":1}]""", "not valid JSON")]
    [InlineData("""[1,2,3]""", "wrong type")]
    [InlineData("""null""", "JSON body")]
    [InlineData("", "JSON body")]
    public async Task Malformed_JSON_unknown_and_duplicate_fields_are_400_with_a_clear_message(string template, string expected)
    {
        var customer = Customer();
        using var response = await _orders.PostRawAsync("/api/orders", template.Replace("@C", customer, StringComparison.Ordinal), cancellationToken: _ct);
        var problem = await OrdersClient.ProblemAsync(response, HttpStatusCode.BadRequest, _ct);
        Assert.Contains(expected, problem.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", problem.Detail, StringComparison.Ordinal);
        Assert.Equal((0, 0, 0), await _orders.CountAsync(customer, cancellationToken: _ct));
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData(null)]
    public async Task A_body_that_is_not_JSON_is_415(string? contentType)
    {
        var customer = Customer();
        using var response = await _orders.PostRawAsync("/api/orders",
            $$"""{"customerId":"{{customer}}","region":"eu","currency":"EUR","lines":[{"sku":"A","quantity":1,"unitPrice":1}]}""", contentType, _ct);
        var problem = await OrdersClient.ProblemAsync(response, HttpStatusCode.UnsupportedMediaType, _ct);
        Assert.Contains("application/json", problem.Detail, StringComparison.Ordinal);
        Assert.Equal((0, 0, 0), await _orders.CountAsync(customer, cancellationToken: _ct));
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413_and_is_refused_before_it_is_sent()
    {
        var customer = Customer();
        var body = $$"""{"customerId":"{{customer}}","region":"eu","currency":"EUR","lines":[{"sku":"{{new string('x', 70_000)}}","quantity":1,"unitPrice":1}]}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };

        // With Expect: 100-continue the server answers 413 from the announced length instead of "100 Continue". (Without
        // it the 413 races the upload: the server closes a connection the client is still writing to, and the client
        // may see only the reset.)
        request.Headers.ExpectContinue = true;
        using var response = await _orders.Http.SendAsync(request, _ct);
        await OrdersClient.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, _ct);
        Assert.Equal((0, 0, 0), await _orders.CountAsync(customer, cancellationToken: _ct));
    }

    [Fact]
    public async Task An_idempotent_retry_returns_the_first_answer_and_creates_nothing_new()
    {
        var customer = Customer();
        var key = "it-key-" + Guid.NewGuid();
        using var first = await _orders.PostAsync(OrdersClient.Body(customer, ("A", 1, 2.5m)), key, _ct);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var created = (await first.Content.ReadFromJsonAsync<OrderDto>(OrdersClient.Json, _ct))!;

        // Same meaning, different spelling: still the same request.
        using var replay = await SendRawWithKeyAsync(
            $$"""{ "lines": [ { "unitPrice": 2.50, "quantity": 1, "sku": "A" } ], "currency": "EUR", "region": "eu-west", "customerId": "{{customer}}" }""", key);
        Assert.Equal(HttpStatusCode.Created, replay.StatusCode);
        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
        var replayed = (await replay.Content.ReadFromJsonAsync<OrderDto>(OrdersClient.Json, _ct))!;
        Assert.Equal(created with { ConsistencyToken = null }, replayed with { ConsistencyToken = null, Lines = created.Lines });
        Assert.Equal(created.Lines, replayed.Lines);
        Assert.Equal(first.Headers.Location, replay.Headers.Location);
        Assert.True(ConsistencyToken.TryParse(replayed.ConsistencyToken, out var replayToken));
        Assert.True(ConsistencyToken.TryParse(created.ConsistencyToken, out var firstToken));
        Assert.True(replayToken >= firstToken);

        Assert.Equal((1, 1, 1), await _orders.CountAsync(customer, key, _ct));
    }

    [Fact]
    public async Task The_same_key_with_another_body_is_422_and_writes_nothing()
    {
        var customer = Customer();
        var key = "it-key-" + Guid.NewGuid();
        using (var first = await _orders.PostAsync(OrdersClient.Body(customer, ("A", 1, 2.5m)), key, _ct))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        }

        using var other = await _orders.PostAsync(OrdersClient.Body(customer, ("A", 2, 2.5m)), key, _ct);
        var problem = await OrdersClient.ProblemAsync(other, HttpStatusCode.UnprocessableEntity, _ct);
        Assert.Contains(key, problem.Detail, StringComparison.Ordinal);
        Assert.Equal((1, 1, 1), await _orders.CountAsync(customer, key, _ct));
    }

    [Fact]
    public async Task Concurrent_retries_with_one_key_create_one_order()
    {
        var customer = Customer();
        var key = "it-key-" + Guid.NewGuid();
        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => _orders.PostAsync(OrdersClient.Body(customer), key, _ct)));
        var ids = new HashSet<Guid>();
        foreach (var response in responses)
        {
            using (response)
            {
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
                ids.Add((await response.Content.ReadFromJsonAsync<OrderDto>(OrdersClient.Json, _ct))!.Id);
            }
        }

        Assert.Single(ids);
        Assert.Equal((1, 1, 1), await _orders.CountAsync(customer, key, _ct));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    public async Task An_invalid_idempotency_key_is_400(string key)
    {
        var customer = Customer();
        using var response = await _orders.PostAsync(OrdersClient.Body(customer), key, _ct);
        await OrdersClient.ProblemAsync(response, HttpStatusCode.BadRequest, _ct);
        Assert.Equal((0, 0, 0), await _orders.CountAsync(customer, cancellationToken: _ct));
    }

    [Fact]
    public async Task An_order_moves_through_its_lifecycle_and_other_transitions_are_409()
    {
        var order = await _orders.CreateAsync(Customer(), _ct);
        foreach (var (status, version) in new[] { ("paid", 2), ("shipped", 3), ("delivered", 4) })
        {
            using var response = await _orders.ChangeStatusAsync(order.Id, status, cancellationToken: _ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var changed = (await response.Content.ReadFromJsonAsync<OrderDto>(OrdersClient.Json, _ct))!;
            Assert.Equal((status, version), (changed.Status, changed.Version));
            Assert.Equal($"\"{version}\"", response.Headers.ETag?.ToString());
            Assert.Equal(changed.ConsistencyToken, response.Headers.GetValues("X-Consistency-Token").Single());
            Assert.True(changed.UpdatedAt >= changed.CreatedAt);
        }

        foreach (var status in new[] { "cancelled", "paid", "new", "delivered" })
        {
            using var response = await _orders.ChangeStatusAsync(order.Id, status, cancellationToken: _ct);
            Assert.Contains("'delivered'", (await OrdersClient.ProblemAsync(response, HttpStatusCode.Conflict, _ct)).Detail, StringComparison.Ordinal);
        }

        var read = (await _orders.Http.GetFromJsonAsync<OrderDto>($"/api/orders/{order.Id}", OrdersClient.Json, _ct))!;
        Assert.Equal(("delivered", 4), (read.Status, read.Version));
    }

    [Theory]
    [InlineData("new")]
    [InlineData("paid")]
    public async Task New_and_paid_orders_can_be_cancelled_and_cancelled_is_final(string from)
    {
        var order = await _orders.CreateAsync(Customer(), _ct);
        if (from == "paid")
        {
            (await _orders.ChangeStatusAsync(order.Id, "paid", cancellationToken: _ct)).Dispose();
        }

        using (var cancel = await _orders.ChangeStatusAsync(order.Id, "cancelled", cancellationToken: _ct))
        {
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        }

        using var again = await _orders.ChangeStatusAsync(order.Id, "paid", cancellationToken: _ct);
        await OrdersClient.ProblemAsync(again, HttpStatusCode.Conflict, _ct);
    }

    [Fact]
    public async Task If_match_makes_a_change_conditional()
    {
        var order = await _orders.CreateAsync(Customer(), _ct);
        using (var stale = await _orders.ChangeStatusAsync(order.Id, "paid", "\"2\"", _ct))
        {
            await OrdersClient.ProblemAsync(stale, HttpStatusCode.PreconditionFailed, _ct);
            Assert.Equal("\"1\"", stale.Headers.ETag?.ToString());
        }

        using (var bare = await _orders.ChangeStatusAsync(order.Id, "paid", "1", _ct))
        {
            Assert.Equal(HttpStatusCode.OK, bare.StatusCode);
        }

        using (var weak = await _orders.ChangeStatusAsync(order.Id, "shipped", "W/\"2\"", _ct))
        {
            await OrdersClient.ProblemAsync(weak, HttpStatusCode.PreconditionFailed, _ct);
        }

        using (var malformed = await _orders.ChangeStatusAsync(order.Id, "shipped", "two", _ct))
        {
            await OrdersClient.ProblemAsync(malformed, HttpStatusCode.BadRequest, _ct);
        }

        using (var quoted = await _orders.ChangeStatusAsync(order.Id, "shipped", "\"2\"", _ct))
        {
            Assert.Equal(HttpStatusCode.OK, quoted.StatusCode);
        }

        var read = (await _orders.Http.GetFromJsonAsync<OrderDto>($"/api/orders/{order.Id}", OrdersClient.Json, _ct))!;
        Assert.Equal(("shipped", 3), (read.Status, read.Version));
    }

    [Fact]
    public async Task Racing_conditional_changes_let_exactly_one_win()
    {
        var order = await _orders.CreateAsync(Customer(), _ct);
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => _orders.ChangeStatusAsync(order.Id, i % 2 == 0 ? "paid" : "cancelled", "\"1\"", _ct)));
        var codes = responses.Select(r => r.StatusCode).ToList();
        foreach (var response in responses)
        {
            response.Dispose();
        }

        Assert.Single(codes, HttpStatusCode.OK);
        Assert.All(codes.Where(c => c != HttpStatusCode.OK), c => Assert.Equal(HttpStatusCode.PreconditionFailed, c));
        var read = (await _orders.Http.GetFromJsonAsync<OrderDto>($"/api/orders/{order.Id}", OrdersClient.Json, _ct))!;
        Assert.Equal(2, read.Version);
    }

    [Theory]
    [InlineData("""{"status":"refunded"}""", HttpStatusCode.BadRequest)]
    [InlineData("""{}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"status":"paid","reason":"x"}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"status":1}""", HttpStatusCode.BadRequest)]
    public async Task An_invalid_status_body_is_400_and_changes_nothing(string body, HttpStatusCode expected)
    {
        var order = await _orders.CreateAsync(Customer(), _ct);
        using var response = await _orders.PostRawAsync($"/api/orders/{order.Id}/status", body, cancellationToken: _ct);
        await OrdersClient.ProblemAsync(response, expected, _ct);
        var read = (await _orders.Http.GetFromJsonAsync<OrderDto>($"/api/orders/{order.Id}", OrdersClient.Json, _ct))!;
        Assert.Equal(1, read.Version);
    }

    [Fact]
    public async Task Changing_an_unknown_order_is_404()
    {
        using var response = await _orders.ChangeStatusAsync(Guid.NewGuid(), "paid", cancellationToken: _ct);
        await OrdersClient.ProblemAsync(response, HttpStatusCode.NotFound, _ct);
    }

    [Fact]
    public async Task Deleting_removes_the_order_and_its_lines_and_answers_the_deletion_version()
    {
        var customer = Customer();
        var order = await _orders.CreateAsync(customer, _ct, ("A", 1, 1m), ("B", 2, 2m));
        (await _orders.ChangeStatusAsync(order.Id, "paid", cancellationToken: _ct)).Dispose();

        using (var stale = await _orders.DeleteAsync(order.Id, "\"1\"", _ct))
        {
            await OrdersClient.ProblemAsync(stale, HttpStatusCode.PreconditionFailed, _ct);
        }

        using var response = await _orders.DeleteAsync(order.Id, "\"2\"", _ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var deleted = (await response.Content.ReadFromJsonAsync<DeletedDto>(OrdersClient.Json, _ct))!;
        Assert.Equal((order.Id, 3), (deleted.Id, deleted.Version));
        Assert.True(ConsistencyToken.TryParse(deleted.ConsistencyToken, out _));
        Assert.Equal(deleted.ConsistencyToken, response.Headers.GetValues("X-Consistency-Token").Single());

        Assert.Equal((0, 0, 0), await _orders.CountAsync(customer, cancellationToken: _ct));
        using (var gone = await _orders.Http.GetAsync(new Uri($"/api/orders/{order.Id}", UriKind.Relative), _ct))
        {
            await OrdersClient.ProblemAsync(gone, HttpStatusCode.NotFound, _ct);
        }

        using var again = await _orders.DeleteAsync(order.Id, cancellationToken: _ct);
        await OrdersClient.ProblemAsync(again, HttpStatusCode.NotFound, _ct);
    }

    [Fact]
    public async Task Pages_are_newest_first_stable_and_complete()
    {
        var customer = Customer();
        var created = new List<Guid>();
        for (var i = 0; i < 23; i++)
        {
            created.Add((await _orders.CreateAsync(customer, _ct)).Id);
        }

        var seen = new List<Guid>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var url = $"/api/orders?customerId={customer}&limit=10" + (cursor is null ? "" : $"&after={cursor}");
            var page = (await _orders.Http.GetFromJsonAsync<OrderPageDto>(url, OrdersClient.Json, _ct))!;
            Assert.All(page.Items, o => Assert.Equal(customer, o.CustomerId));
            Assert.All(page.Items, o => Assert.Equal(1, o.LineCount));
            seen.AddRange(page.Items.Select(o => o.Id));
            cursor = page.Next;
            pages++;

            // A write between pages does not disturb the pages already handed out (keyset, not offset).
            if (pages == 1)
            {
                await _orders.CreateAsync(customer, _ct);
            }
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Reverse(created), seen);
    }

    [Fact]
    public async Task Pages_filter_by_status()
    {
        var customer = Customer();
        var paid = await _orders.CreateAsync(customer, _ct);
        await _orders.CreateAsync(customer, _ct);
        (await _orders.ChangeStatusAsync(paid.Id, "paid", cancellationToken: _ct)).Dispose();

        var page = (await _orders.Http.GetFromJsonAsync<OrderPageDto>($"/api/orders?customerId={customer}&status=paid", OrdersClient.Json, _ct))!;
        Assert.Equal([paid.Id], page.Items.Select(o => o.Id));
        Assert.Null(page.Next);
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=101", "limit")]
    [InlineData("status=lost", "status")]
    [InlineData("after=not-a-cursor", "after")]
    [InlineData("after=!!!!!!!!!!!!!!!!!!!!!!!", "after")]
    public async Task Invalid_query_values_are_400_naming_the_parameter(string query, string field)
    {
        using var response = await _orders.Http.GetAsync(new Uri("/api/orders?" + query, UriKind.Relative), _ct);
        Assert.Contains(field, (await OrdersClient.ProblemAsync(response, HttpStatusCode.BadRequest, _ct)).Errors!.Keys);
    }

    [Theory]
    [InlineData("limit=abc")]
    [InlineData("limit=99999999999999")]
    public async Task Unparseable_query_values_are_400(string query)
    {
        using var response = await _orders.Http.GetAsync(new Uri("/api/orders?" + query, UriKind.Relative), _ct);
        Assert.Contains("limit", (await OrdersClient.ProblemAsync(response, HttpStatusCode.BadRequest, _ct)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_OpenAPI_document_and_its_UI_are_served_in_development()
    {
        using var document = await _orders.Http.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative), _ct);
        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
        var json = await document.Content.ReadAsStringAsync(_ct);
        foreach (var operation in new[] { "CreateOrder", "GetOrder", "ListOrders", "ChangeOrderStatus", "DeleteOrder" })
        {
            Assert.Contains($"\"operationId\": \"{operation}\"", json, StringComparison.Ordinal);
        }

        using var ui = await _orders.Http.GetAsync(new Uri("/scalar/", UriKind.Relative), _ct);
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
        var html = await ui.Content.ReadAsStringAsync(_ct);
        Assert.DoesNotContain("cdn.jsdelivr.net", html, StringComparison.Ordinal);
        Assert.DoesNotContain("fonts.scalar.com", html, StringComparison.Ordinal);
    }

    private async Task<HttpResponseMessage> SendRawWithKeyAsync(string json, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders")
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        return await _orders.Http.SendAsync(request, _ct);
    }

    public void Dispose() => _orders.Dispose();
}
