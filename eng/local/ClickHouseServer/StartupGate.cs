using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PolyglotAspire.ClickHouseServer;

/// <summary>
/// How the <c>default</c> user is kept off the network. clickhouse-local's own session always logs in as
/// <c>default</c> with an empty password, from a loopback address, so neither a password nor a network restriction
/// can tell it from a local client. Instead <c>default</c> authenticates against this gate, ClickHouse's external HTTP
/// authenticator (<c>http_authentication_servers</c>): the gate grants exactly one login — the in-process session's,
/// which happens before the server listens — and refuses every later one, over HTTP as well as TCP. If anything else
/// ever took that one grant first, the in-process login fails and the server does not start (fail closed).
/// </summary>
internal sealed class StartupGate : IDisposable
{
    private static readonly byte[] Granted = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    private static readonly byte[] Refused = Encoding.ASCII.GetBytes("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private int _granted;

    public StartupGate()
    {
        _listener.Start();
        _ = Task.Run(AcceptAsync);
    }

    public Uri Uri => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    /// <summary>True once the one login has been granted.</summary>
    public bool Closed => Volatile.Read(ref _granted) != 0;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => AnswerAsync(client));
        }
    }

    private async Task AnswerAsync(Socket client)
    {
        using (client)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                await ReadHeadAsync(client, timeout.Token);
                var grant = Interlocked.Exchange(ref _granted, 1) == 0;
                await client.SendAsync(grant ? Granted : Refused, SocketFlags.None, timeout.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException)
            {
                // A client that went away or never finished its request gets nothing.
            }
        }
    }

    /// <summary>Reads the request line and headers (ClickHouse sends a GET without a body), at most 8 KiB.</summary>
    private static async Task ReadHeadAsync(Socket client, CancellationToken cancellationToken)
    {
        var buffer = new byte[8192];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await client.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                break;
            }

            length += read;
            if (buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8) >= 0)
            {
                break;
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }
}
