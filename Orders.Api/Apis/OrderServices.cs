using Microsoft.Extensions.Options;
using PolyglotAspire.OrdersApi.Data;
using PolyglotAspire.OrdersApi.Diagnostics;

namespace PolyglotAspire.OrdersApi.Apis;

/// <summary>The dependencies of the order handlers, bound with <c>[AsParameters]</c>.</summary>
public sealed class OrderServices(OrderStore store, TimeProvider time, IOptions<OrdersOptions> options, OrdersTelemetry telemetry)
{
    public OrderStore Store { get; } = store;
    public TimeProvider Time { get; } = time;
    public IOptions<OrdersOptions> Options { get; } = options;
    public OrdersTelemetry Telemetry { get; } = telemetry;

    /// <summary>Now, to the millisecond: the precision the event envelope carries, so API, database and events agree.</summary>
    public DateTimeOffset Now()
    {
        var now = Time.GetUtcNow();
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond));
    }
}
