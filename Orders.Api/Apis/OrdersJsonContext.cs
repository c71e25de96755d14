using System.Text.Json;
using System.Text.Json.Serialization;

namespace PolyglotAspire.OrdersApi.Apis;

/// <summary>Source-generated JSON metadata for the API's bodies (no reflection on the hot path).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(CreateOrderRequest))]
[JsonSerializable(typeof(ChangeStatusRequest))]
[JsonSerializable(typeof(OrderResponse))]
[JsonSerializable(typeof(OrderSummary))]
[JsonSerializable(typeof(OrderPage))]
[JsonSerializable(typeof(DeletedOrderResponse))]
[JsonSerializable(typeof(SeedRequest))]
[JsonSerializable(typeof(SeedResult))]
internal sealed partial class OrdersJsonContext : JsonSerializerContext;
