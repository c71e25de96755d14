using PolyglotAspire.Contracts;
using PolyglotAspire.OrdersApi.Domain;

namespace PolyglotAspire.OrdersApi.UnitTests;

public sealed class StatusTransitionTests
{
    public static TheoryData<OrderStatus, OrderStatus, bool> AllPairs()
    {
        var allowed = new HashSet<(OrderStatus, OrderStatus)>
        {
            (OrderStatus.New, OrderStatus.Paid),
            (OrderStatus.Paid, OrderStatus.Shipped),
            (OrderStatus.Shipped, OrderStatus.Delivered),
            (OrderStatus.New, OrderStatus.Cancelled),
            (OrderStatus.Paid, OrderStatus.Cancelled),
        };
        var data = new TheoryData<OrderStatus, OrderStatus, bool>();
        foreach (var from in Enum.GetValues<OrderStatus>())
        {
            foreach (var to in Enum.GetValues<OrderStatus>())
            {
                data.Add(from, to, allowed.Contains((from, to)));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void Only_the_transitions_of_the_design_are_allowed(OrderStatus from, OrderStatus to, bool allowed) =>
        Assert.Equal(allowed, OrderStatuses.CanTransition(from, to));

    [Fact]
    public void Names_round_trip()
    {
        foreach (var status in Enum.GetValues<OrderStatus>())
        {
            Assert.True(OrderStatuses.TryParse(status.ToName(), out var parsed));
            Assert.Equal(status, parsed);
        }
    }
}

public sealed class OrderEventTests
{
    private static readonly OrderRow Row = new(Guid.CreateVersion7(), "customer-1", "eu-west", "EUR", OrderStatus.Paid, 14.50m,
        DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123), DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_100_000), 2, 3);

    [Fact]
    public void A_change_event_carries_the_full_row_and_no_commit_position()
    {
        var eventId = Guid.CreateVersion7();
        var envelope = OrderEventSerializer.Deserialize(OrderEventSerializer.Serialize(OrderEvents.StatusChanged(Row, eventId, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")));
        Assert.Equal(OrderEvent.CurrentSchemaVersion, envelope.SchemaVersion);
        Assert.Equal(OrderEventType.StatusChanged, envelope.EventType);
        Assert.Equal(eventId, envelope.EventId);
        Assert.Equal(Row.Id, envelope.OrderId);
        Assert.Equal(2, envelope.OrderVersion);
        Assert.Equal(0UL, envelope.CommitLsn);
        Assert.Equal(0L, envelope.CommitTimeMs);
        Assert.Equal(("customer-1", "eu-west", "EUR", "paid"), (envelope.CustomerId, envelope.Region, envelope.Currency, envelope.Status));
        Assert.Equal(1450L, envelope.TotalCents);
        Assert.Equal(1_700_000_000_123L, envelope.CreatedAtMs);
        Assert.Equal(3, envelope.LineCount);
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", envelope.TraceParent);
    }

    [Fact]
    public void A_delete_is_the_next_version_of_the_last_row()
    {
        var deleted = OrderEvents.Deleted(Row, Guid.CreateVersion7(), null);
        Assert.Equal(OrderEventType.Deleted, deleted.EventType);
        Assert.Equal(3, deleted.OrderVersion);
        Assert.Equal("paid", deleted.Status);
        Assert.Equal(1450L, deleted.TotalCents);
    }

    [Fact]
    public void A_creation_is_version_1()
    {
        var created = OrderEvents.Created(Row with { Version = 1, Status = OrderStatus.New }, Guid.CreateVersion7(), null);
        Assert.Equal((OrderEventType.Created, 1, "new"), (created.EventType, created.OrderVersion, created.Status));
    }

    [Fact]
    public void The_current_trace_context_travels_as_a_W3C_traceparent()
    {
        using var activity = new System.Diagnostics.Activity("test").SetIdFormat(System.Diagnostics.ActivityIdFormat.W3C).Start();
        Assert.Equal(activity.Id, OrderEvents.CurrentTraceParent());
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$", OrderEvents.CurrentTraceParent()!);
    }
}

public sealed class MoneyAndTextTests
{
    [Theory]
    [InlineData("4.5", "4.50")]
    [InlineData("4.500", "4.50")]
    [InlineData("0", "0.00")]
    public void Amounts_normalize_to_two_decimals(string value, string expected) =>
        Assert.Equal(expected, Money.Normalize(decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture)).ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void Cents_are_exact() => Assert.Equal(123_456_789_012L, Money.ToCents(1_234_567_890.12m));

    [Fact]
    public void The_currency_list_is_a_real_ISO_list()
    {
        Assert.InRange(Currencies.Count, 150, 190);
        Assert.True(Currencies.IsIso4217("EUR"));
        Assert.False(Currencies.IsIso4217("eur"));
    }
}
