using Microsoft.Extensions.Options;
using PolyglotAspire.OrdersApi.Application;
using PolyglotAspire.OrdersApi.Data;
using PolyglotAspire.OrdersApi.Diagnostics;

namespace PolyglotAspire.OrdersApi.Apis;

/// <summary>The dependencies of the order handlers, bound with <c>[AsParameters]</c>: writes go through the writer, reads straight to the store.</summary>
public sealed class OrderServices(OrderWriter writer, OrderStore store, IOptions<OrdersOptions> options, OrdersTelemetry telemetry)
{
    public OrderWriter Writer { get; } = writer;
    public OrderStore Store { get; } = store;
    public IOptions<OrdersOptions> Options { get; } = options;
    public OrdersTelemetry Telemetry { get; } = telemetry;
}
