using ClickHouse.Emulator.Http;

// ClickHouse's HTTP interface over the embedded ClickHouse engine (chDB), for local mode.
// Configuration: ChDb:LibraryPath (libchdb.so), ChDb:DataPath; the port comes from ASPNETCORE_URLS / --urls.
var builder = WebApplication.CreateBuilder(args);
builder.AddBasicServiceDefaults();
builder.Services.AddClickHouseEmulator();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapClickHouseHttp();
app.Run();
