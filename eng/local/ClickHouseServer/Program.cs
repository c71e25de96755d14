using System.Runtime.InteropServices;
using PolyglotAspire.ClickHouseServer;

// Runs ClickHouse 26.7's own HTTP server for local mode (no container runtime): the AppHost starts it with
//   --data <dir> --http-port <port> --library <libchdb.so>
// and the users' passwords in CLICKHOUSE_{ADMIN,WRITER,READER}_PASSWORD. SIGTERM or Ctrl-C stops it cleanly.
var arguments = args.Chunk(2).Where(p => p.Length == 2 && p[0].StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(p => p[0][2..], p => p[1]);
string Required(string name) => arguments.TryGetValue(name, out var value) && value.Length > 0
    ? value
    : throw new ArgumentException($"Missing --{name}. Usage: --data <dir> --http-port <port> --library <libchdb.so>");

var options = new ServerOptions(
    Path.GetFullPath(Required("data")),
    int.Parse(Required("http-port"), System.Globalization.CultureInfo.InvariantCulture),
    Required("library"));

using var server = new LocalClickHouseServer(options, Console.Out);
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
var error = server.Run();
if (error is not null)
{
    Console.Error.WriteLine($"ClickHouse failed: {error}");
    return 1;
}

Console.WriteLine("ClickHouse stopped");
return 0;

void Stop(PosixSignalContext context)
{
    context.Cancel = true; // stop ClickHouse first; Run returns once it has shut down
    server.Stop();
}
