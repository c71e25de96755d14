using PolyglotAspire.OrdersApi.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddOrdersApi();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapOrdersEndpoints();

app.Run();
