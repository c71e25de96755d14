using PolyglotAspire.OrdersApi.Apis;
using PolyglotAspire.OrdersApi.Domain;

namespace PolyglotAspire.OrdersApi.UnitTests;

public sealed class OrderValidationTests
{
    private static CreateOrderRequest Valid(Func<CreateOrderRequest, CreateOrderRequest>? change = null)
    {
        var request = new CreateOrderRequest("customer-1", "eu-west", "EUR",
            [new OrderLineRequest("SKU-1", 3, 1.5m), new OrderLineRequest("SKU-2", 1, 10m)]);
        return change is null ? request : change(request);
    }

    private static Dictionary<string, string[]> Errors(CreateOrderRequest request)
    {
        Assert.False(OrderValidation.TryValidate(request, out var order, out var errors));
        Assert.Null(order);
        return errors;
    }

    [Fact]
    public void A_valid_order_gets_normalized_amounts_and_the_computed_total()
    {
        Assert.True(OrderValidation.TryValidate(Valid(), out var order, out var errors));
        Assert.Empty(errors);
        Assert.Equal(14.50m, order.Total);
        Assert.Equal("14.50", order.Total.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("1.50", order.Lines[0].UnitPrice.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(["SKU-1", "SKU-2"], order.Lines.Select(l => l.Sku));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void The_customer_id_is_required(string? customerId) =>
        Assert.Contains("customerId", Errors(Valid(r => r with { CustomerId = customerId })).Keys);

    [Theory]
    [InlineData(" padded")]
    [InlineData("padded ")]
    [InlineData("nul\0inside")]
    [InlineData("bell\u0007")]
    [InlineData("c1\u0085")]
    public void The_customer_id_must_be_clean_printable_text(string customerId) =>
        Assert.Contains("customerId", Errors(Valid(r => r with { CustomerId = customerId })).Keys);

    [Fact]
    public void Unpaired_surrogates_are_rejected()
    {
        // Built in code: xUnit would replace them with U+FFFD in attribute data.
        foreach (var text in new[] { "lone " + (char)0xD800 + " surrogate", "reversed " + (char)0xDC00 + (char)0xD800, "end" + (char)0xD83D })
        {
            Assert.Contains("customerId", Errors(Valid(r => r with { CustomerId = text })).Keys);
            Assert.Contains("lines[0].sku", Errors(Valid(r => r with { Lines = [new OrderLineRequest(text, 1, 1m)] })).Keys);
        }
    }

    [Fact]
    public void The_customer_id_has_at_most_64_characters()
    {
        Assert.True(OrderValidation.TryValidate(Valid(r => r with { CustomerId = new string('c', 64) }), out _, out _));
        Assert.Contains("customerId", Errors(Valid(r => r with { CustomerId = new string('c', 65) })).Keys);
    }

    [Fact]
    public void Unicode_text_is_fine() =>
        Assert.True(OrderValidation.TryValidate(Valid(r => r with { CustomerId = "Zoë 🚀 東京" }), out _, out _));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("eu west")]
    [InlineData("eu/west")]
    [InlineData("région")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456")]
    public void The_region_is_a_short_identifier(string? region) =>
        Assert.Contains("region", Errors(Valid(r => r with { Region = region })).Keys);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("eur")]
    [InlineData("EURO")]
    [InlineData("XXX")]
    [InlineData("XAU")]
    [InlineData("ABC")]
    [InlineData("HRK")]
    public void The_currency_is_an_active_ISO_4217_code(string? currency) =>
        Assert.Contains("currency", Errors(Valid(r => r with { Currency = currency })).Keys);

    [Theory]
    [InlineData("EUR")]
    [InlineData("USD")]
    [InlineData("JPY")]
    [InlineData("CHF")]
    public void Common_currencies_are_accepted(string currency) =>
        Assert.True(OrderValidation.TryValidate(Valid(r => r with { Currency = currency }), out _, out _));

    [Fact]
    public void Lines_are_required_and_number_1_to_100()
    {
        Assert.Contains("lines", Errors(Valid(r => r with { Lines = null })).Keys);
        Assert.Contains("lines", Errors(Valid(r => r with { Lines = [] })).Keys);
        var line = new OrderLineRequest("S", 1, 1m);
        Assert.True(OrderValidation.TryValidate(Valid(r => r with { Lines = Enumerable.Repeat(line, 100).ToList() }), out _, out _));
        Assert.Contains("lines", Errors(Valid(r => r with { Lines = Enumerable.Repeat(line, 101).ToList() })).Keys);
    }

    [Fact]
    public void A_null_line_is_an_error_of_that_line() =>
        Assert.Contains("lines[1]", Errors(Valid(r => r with { Lines = [new OrderLineRequest("S", 1, 1m), null] })).Keys);

    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(10_001)]
    [InlineData(int.MaxValue)]
    public void The_quantity_is_1_to_10000(int? quantity) =>
        Assert.Contains("lines[0].quantity", Errors(Valid(r => r with { Lines = [new OrderLineRequest("S", quantity, 1m)] })).Keys);

    [Theory]
    [InlineData(1)]
    [InlineData(10_000)]
    public void Quantity_bounds_are_inclusive(int quantity) =>
        Assert.True(OrderValidation.TryValidate(Valid(r => r with { Lines = [new OrderLineRequest("S", quantity, 1m)] }), out _, out _));

    [Theory]
    [InlineData("-0.01")]
    [InlineData("1.005")]
    [InlineData("0.001")]
    [InlineData("1000000000.01")]
    [InlineData("79228162514264337593543950335")]
    public void The_unit_price_is_non_negative_with_at_most_2_decimals_and_bounded(string price) =>
        Assert.Contains("lines[0].unitPrice", Errors(Valid(r => r with
        {
            Lines = [new OrderLineRequest("S", 1, decimal.Parse(price, System.Globalization.CultureInfo.InvariantCulture))],
        })).Keys);

    [Theory]
    [InlineData("0")]
    [InlineData("0.01")]
    [InlineData("1.50")]
    [InlineData("1.500")]
    [InlineData("1000000000")]
    public void Valid_prices_are_accepted(string price) =>
        Assert.True(OrderValidation.TryValidate(Valid(r => r with
        {
            Lines = [new OrderLineRequest("S", 1, decimal.Parse(price, System.Globalization.CultureInfo.InvariantCulture))],
        }), out _, out _));

    [Fact]
    public void The_largest_possible_order_fits_numeric_18_2()
    {
        var line = new OrderLineRequest("S", OrderValidation.MaxQuantity, Money.MaxUnitPrice);
        Assert.True(OrderValidation.TryValidate(Valid(r => r with { Lines = Enumerable.Repeat(line, 100).ToList() }), out var order, out _));
        Assert.True(order.Total < 10_000_000_000_000_000m);
        Assert.Equal(order.Total * 100, Money.ToCents(order.Total));
    }

    [Fact]
    public void Every_violation_is_reported_at_once()
    {
        var errors = Errors(new CreateOrderRequest(null, null, null, [new OrderLineRequest(null, null, null)]));
        Assert.Equal(["currency", "customerId", "lines[0].quantity", "lines[0].sku", "lines[0].unitPrice", "region"], errors.Keys.Order());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("PAID")]
    [InlineData("refunded")]
    [InlineData(" paid")]
    public void A_status_change_needs_a_known_status(string? status)
    {
        Assert.False(OrderValidation.TryValidate(new ChangeStatusRequest(status), out _, out var errors));
        Assert.Contains("status", errors.Keys);
    }

    [Fact]
    public void A_known_status_parses()
    {
        Assert.True(OrderValidation.TryValidate(new ChangeStatusRequest("shipped"), out var status, out _));
        Assert.Equal(OrderStatus.Shipped, status);
    }
}
