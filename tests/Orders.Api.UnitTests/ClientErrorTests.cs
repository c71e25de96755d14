using System.Text.Json;
using PolyglotAspire.OrdersApi.Apis;
using PolyglotAspire.OrdersApi.Data;

namespace PolyglotAspire.OrdersApi.UnitTests;

public sealed class ClientErrorTests
{
    private static readonly JsonSerializerOptions Strict = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        AllowDuplicateProperties = false,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict,
        TypeInfoResolver = OrdersJsonContext.Default,
    };

    [Theory]
    [InlineData("""{"customerId":"c","x":1}""", "Unknown field at '$.x'")]
    [InlineData("""{"customerId":"c","customerId":"d"}""", "Duplicate field")]
    [InlineData("""{"lines":[{"quantity":"1"}]}""", "wrong type")]
    [InlineData("""{"customerId":""", "not valid JSON")]
    public void JSON_errors_say_where_and_what_without_type_names(string json, string expected)
    {
        var exception = Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<CreateOrderRequest>(json, Strict));
        var message = ClientErrorHandler.Describe(exception);
        Assert.Contains(expected, message, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", message, StringComparison.Ordinal);
        Assert.DoesNotContain("PolyglotAspire", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_filter_combination_has_its_own_statement_with_the_right_parameters()
    {
        for (var i = 0; i < 8; i++)
        {
            bool customer = (i & 4) != 0, status = (i & 2) != 0, after = (i & 1) != 0;
            var sql = OrderSql.Page(customer, status, after);
            var parameters = 1 + (customer ? 1 : 0) + (status ? 1 : 0) + (after ? 1 : 0);
            Assert.Contains($"${parameters}", sql, StringComparison.Ordinal);
            Assert.DoesNotContain($"${parameters + 1}", sql, StringComparison.Ordinal);
            Assert.Equal(customer, sql.Contains("customer_id = $", StringComparison.Ordinal));
            Assert.Equal(status, sql.Contains("status = $", StringComparison.Ordinal));
            Assert.Equal(after, sql.Contains("o.id < $", StringComparison.Ordinal));
            Assert.EndsWith("ORDER BY o.id DESC LIMIT $1", sql, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Migrations_are_embedded_in_version_order()
    {
        var scripts = SchemaMigrator.Scripts().ToList();
        Assert.NotEmpty(scripts);
        Assert.Equal(scripts.Select(s => s.Version).Order(), scripts.Select(s => s.Version));
        Assert.Contains("CREATE PUBLICATION orders_outbox FOR TABLE outbox WITH (publish = 'insert')", scripts[0].Sql, StringComparison.Ordinal);
    }
}
