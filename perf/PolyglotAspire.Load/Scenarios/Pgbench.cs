using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;
using PolyglotAspire.Contracts;

namespace PolyglotAspire.Load.Scenarios;

/// <summary>
/// pgbench running the API's create-order transaction on the app's own PostgreSQL: the same tables, indexes, rows
/// (one order, two lines, one outbox row inserted and deleted, a real envelope as payload), the same time-ordered ids
/// (so the B-trees grow at the right edge, as with UUIDv7), and the same round trip (pipeline mode: BEGIN … COMMIT;
/// SELECT pg_current_wal_insert_lsn() as one batch, prepared statements). Optionally without the pipeline (one
/// round trip per statement, pgbench's classic mode) for reference.
/// </summary>
internal static partial class Pgbench
{
    public static string Executable =>
        Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin", "pgbench")).Where(File.Exists).Order().LastOrDefault()
        ?? "pgbench";

    public static string Script(bool pipeline)
    {
        var envelope = Convert.ToHexStringLower(OrderEventSerializer.Serialize(new OrderEvent
        {
            EventId = Guid.CreateVersion7(),
            EventType = OrderEventType.Created,
            OrderId = Guid.CreateVersion7(),
            OrderVersion = 1,
            CustomerId = "customer-123",
            Region = "eu-west",
            Currency = "EUR",
            Status = "new",
            TotalCents = 2998,
            CreatedAtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            LineCount = 2,
            TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        }));
        // hi grows with every transaction of every client (time-ordered, like UUIDv7); lo is random.
        const string orderId = "(lpad(to_hex(:hi::bigint), 16, '0') || lpad(to_hex(:lo::bigint), 16, '0'))::uuid";
        const string eventId = "(lpad(to_hex(:hi::bigint), 16, '0') || lpad(to_hex(:lo2::bigint), 16, '0'))::uuid";
        var sql = new StringBuilder();
        sql.AppendLine("\\set n :n + 1");
        sql.AppendLine("\\set hi :base + :n * 64 + :client_id");
        sql.AppendLine("\\set lo random(1, 4611686018427387903)");
        sql.AppendLine("\\set lo2 :lo + 1");
        sql.AppendLine("\\set c random(0, 996)");
        if (pipeline)
        {
            sql.AppendLine("\\startpipeline");
        }

        sql.AppendLine("BEGIN;");
        sql.AppendLine(CultureInfo.InvariantCulture, $"INSERT INTO orders (id, customer_id, region, currency, status, total, created_at, updated_at, version) VALUES ({orderId}, 'load-pgbench-' || :c, 'eu-west', 'EUR', 'new', 29.98, now(), now(), 1);");
        sql.AppendLine(CultureInfo.InvariantCulture, $"INSERT INTO order_lines (order_id, line_no, sku, quantity, unit_price) SELECT {orderId}, l.n, l.sku, l.quantity, l.unit_price FROM unnest('{{SKU-1,SKU-2}}'::text[], '{{1,1}}'::int[], '{{9.99,19.99}}'::numeric[]) WITH ORDINALITY AS l (sku, quantity, unit_price, n);");
        sql.AppendLine(CultureInfo.InvariantCulture, $"INSERT INTO outbox (event_id, order_id, payload) VALUES ({eventId}, {orderId}, '\\x{envelope}'::bytea);");
        sql.AppendLine(CultureInfo.InvariantCulture, $"DELETE FROM outbox WHERE event_id = {eventId};");
        sql.AppendLine("COMMIT;");
        sql.AppendLine("SELECT pg_current_wal_insert_lsn();");
        if (pipeline)
        {
            sql.AppendLine("\\endpipeline");
        }

        return sql.ToString();
    }

    /// <summary>Runs pgbench for <paramref name="duration"/> with <paramref name="clients"/> connections; per-transaction latencies from its log.</summary>
    public static async Task<PhaseResult> RunAsync(string name, string connectionString, bool pipeline, int clients, TimeSpan duration, CancellationToken cancellationToken)
    {
        var cs = new NpgsqlConnectionStringBuilder(connectionString);
        var work = Directory.CreateTempSubdirectory("pgbench-");
        try
        {
            var script = Path.Combine(work.FullName, "order.sql");
            await File.WriteAllTextAsync(script, Script(pipeline), cancellationToken);
            var start = new ProcessStartInfo(Executable)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = work.FullName,
                Environment = { ["PGPASSWORD"] = cs.Password ?? "" },
            };
            var baseId = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() << 20;
            foreach (var argument in new[]
                     {
                         "-n", "-M", "prepared", "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", Math.Min(clients, Environment.ProcessorCount).ToString(CultureInfo.InvariantCulture),
                         "-T", ((int)duration.TotalSeconds).ToString(CultureInfo.InvariantCulture), "-f", script, "-l", "--log-prefix", Path.Combine(work.FullName, "latency"),
                         "-D", "n=0", "-D", "base=" + baseId.ToString(CultureInfo.InvariantCulture),
                         "-h", cs.Host!, "-p", cs.Port.ToString(CultureInfo.InvariantCulture), "-U", cs.Username!, cs.Database!,
                     })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException("pgbench did not start.");
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            var output = await stdout;
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"pgbench exited with {process.ExitCode}: {await stderr}{output}");
            }

            var processed = long.Parse(Processed().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
            var failed = Failed().Match(output) is { Success: true } f ? long.Parse(f.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
            var tps = double.Parse(Tps().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);

            // Log lines: client_id transaction_no time(us) script_no time_epoch time_us
            var latency = new Latency();
            foreach (var file in work.GetFiles("latency*"))
            {
                foreach (var line in File.ReadLines(file.FullName))
                {
                    var fields = line.Split(' ');
                    if (fields.Length >= 3 && long.TryParse(fields[2], CultureInfo.InvariantCulture, out var micros))
                    {
                        latency.RecordMicroseconds((micros));
                    }
                }
            }

            return new PhaseResult(name, processed, failed, TimeSpan.FromSeconds(processed / tps), latency);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    [GeneratedRegex(@"number of transactions actually processed: (\d+)")]
    private static partial Regex Processed();

    [GeneratedRegex(@"number of failed transactions: (\d+)")]
    private static partial Regex Failed();

    [GeneratedRegex(@"tps = ([\d.]+) \(without initial connection time\)")]
    private static partial Regex Tps();
}
