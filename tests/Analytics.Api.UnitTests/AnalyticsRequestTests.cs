using PolyglotAspire.Analytics.Apis;
using PolyglotAspire.Analytics.Freshness;
using PolyglotAspire.Analytics.Queries;
using PolyglotAspire.Contracts;

namespace PolyglotAspire.Analytics.UnitTests;

public sealed class AnalyticsRequestTests
{
    [Fact]
    public void A_request_without_parameters_is_eventual_over_all_time_by_region()
    {
        var errors = new AnalyticsRequest.Errors();
        var request = new AnalyticsRequest();

        Assert.Equal(TimeRange.All, request.ParseRange(errors));
        Assert.Equal(GroupBy.Region, request.ParseGroupBy(errors));
        Assert.Null(request.ParseRegion(errors));
        Assert.Equal(ReadConsistency.Eventual, request.ParseConsistency(errors));
        Assert.Equal(10, request.ParseLimit(10, 1000, errors));
        Assert.Empty(errors);
    }

    [Fact]
    public void A_date_means_the_start_of_that_day_for_from_and_its_end_for_to()
    {
        var errors = new AnalyticsRequest.Errors();
        var range = new AnalyticsRequest { From = "2026-11-01", To = "2026-11-25" }.ParseRange(errors);

        Assert.Empty(errors);
        Assert.Equal(new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc), range.From);
        Assert.Equal(new DateTime(2026, 11, 26, 0, 0, 0, DateTimeKind.Utc), range.To);
    }

    [Fact]
    public void Instants_with_offsets_are_converted_to_UTC()
    {
        var errors = new AnalyticsRequest.Errors();
        var range = new AnalyticsRequest { From = "2026-11-25T10:00:00+02:00", To = "2026-11-25T10:00:00Z" }.ParseRange(errors);

        Assert.Empty(errors);
        Assert.Equal(new DateTime(2026, 11, 25, 8, 0, 0, DateTimeKind.Utc), range.From);
        Assert.Equal(DateTimeKind.Utc, range.To.Kind);
    }

    [Theory]
    [InlineData("from", "yesterday")]
    [InlineData("from", "2026-13-01")]
    [InlineData("from", "2026-11-25T10:00:00")]
    [InlineData("from", "1969-12-31")]
    [InlineData("to", "2300-01-01")]
    [InlineData("to", "2026-11-25'; DROP TABLE orders; --")]
    [InlineData("from", "")]
    public void Bad_dates_are_rejected_with_the_parameter_named(string parameter, string value)
    {
        var errors = new AnalyticsRequest.Errors();
        var request = parameter == "from" ? new AnalyticsRequest { From = value } : new AnalyticsRequest { To = value };
        request.ParseRange(errors);

        Assert.Contains(parameter, errors.Keys);
    }

    [Fact]
    public void From_after_to_is_rejected()
    {
        var errors = new AnalyticsRequest.Errors();
        new AnalyticsRequest { From = "2026-11-25", To = "2026-11-01" }.ParseRange(errors);
        Assert.Contains("to", errors.Keys);
    }

    [Theory]
    [InlineData("region", GroupBy.Region)]
    [InlineData("MONTH", GroupBy.Month)]
    [InlineData("day", GroupBy.Day)]
    [InlineData("Status", GroupBy.Status)]
    public void Group_by_accepts_the_four_names(string text, GroupBy expected)
    {
        var errors = new AnalyticsRequest.Errors();
        Assert.Equal(expected, new AnalyticsRequest { GroupBy = text }.ParseGroupBy(errors));
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("region,day")]
    [InlineData("week")]
    [InlineData("region; DROP TABLE orders")]
    [InlineData("")]
    public void Group_by_rejects_anything_else(string text)
    {
        var errors = new AnalyticsRequest.Errors();
        new AnalyticsRequest { GroupBy = text }.ParseGroupBy(errors);
        Assert.Contains("groupBy", errors.Keys);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1001")]
    [InlineData("-5")]
    [InlineData("1e3")]
    [InlineData("99999999999999999999")]
    [InlineData("ten")]
    public void Limits_outside_1_to_max_are_rejected(string text)
    {
        var errors = new AnalyticsRequest.Errors();
        new AnalyticsRequest { Limit = text }.ParseLimit(10, 1000, errors);
        Assert.Contains("limit", errors.Keys);
    }

    [Fact]
    public void A_session_read_carries_the_parsed_token()
    {
        var errors = new AnalyticsRequest.Errors();
        var consistency = new AnalyticsRequest { Consistency = "session", Token = "16/B374D848" }.ParseConsistency(errors);

        Assert.Empty(errors);
        Assert.Equal(ConsistencyLevel.Session, consistency.Level);
        Assert.Equal(new ConsistencyToken(0x16_B374_D848), consistency.Token);
    }

    [Theory]
    [InlineData("session", null, null, AnalyticsRequest.TokenHeader)]
    [InlineData("session", "not-a-token", null, AnalyticsRequest.TokenHeader)]
    [InlineData("bounded", null, null, "maxStalenessMs")]
    [InlineData("bounded", null, "-1", "maxStalenessMs")]
    [InlineData("bounded", null, "86400001", "maxStalenessMs")]
    [InlineData("strong", null, null, "consistency")]
    [InlineData("eventually", null, null, "consistency")]
    public void Consistency_requirements_are_checked(string level, string? token, string? bound, string parameter)
    {
        var errors = new AnalyticsRequest.Errors();
        new AnalyticsRequest { Consistency = level, Token = token, MaxStalenessMs = bound }.ParseConsistency(errors);
        Assert.Contains(parameter, errors.Keys);
    }

    [Fact]
    public void Hostile_values_are_echoed_truncated_and_printable()
    {
        var errors = new AnalyticsRequest.Errors();
        new AnalyticsRequest { From = "\u0000\u001b[31m" + new string('x', 5000) }.ParseRange(errors);

        var message = Assert.Single(errors["from"]);
        Assert.True(message.Length < 300);
        Assert.DoesNotContain('\u0000', message);
        Assert.DoesNotContain('\u001b', message);
    }

    [Theory]
    [InlineData("EUR")]
    [InlineData("USD")]
    [InlineData("XTS")]
    public void A_currency_is_three_capital_letters(string currency)
    {
        var errors = new AnalyticsRequest.Errors();
        Assert.Equal(currency, new AnalyticsRequest { Currency = currency }.ParseCurrency(errors));
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("eur")]
    [InlineData("EURO")]
    [InlineData("EU")]
    [InlineData("")]
    [InlineData("E1R")]
    [InlineData("ÉUR")]
    [InlineData("EUR'")]
    public void Anything_else_is_rejected_with_the_parameter_named(string currency)
    {
        var errors = new AnalyticsRequest.Errors();
        Assert.Null(new AnalyticsRequest { Currency = currency }.ParseCurrency(errors));
        Assert.Contains("currency", errors.Keys);
    }

    [Fact]
    public void Without_a_currency_every_currency_is_answered()
    {
        var errors = new AnalyticsRequest.Errors();
        Assert.Null(new AnalyticsRequest().ParseCurrency(errors));
        Assert.Empty(errors);
    }
}
