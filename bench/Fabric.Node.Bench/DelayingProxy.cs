using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Fabric.Node.Bench;

/// <summary>
/// A loopback TCP proxy in front of the registry that holds each HTTP request for a fixed delay before passing it on
/// (a WAN round trip) and counts the requests, so a run shows round trips against classes loaded.
/// </summary>
public sealed class DelayingProxy : IAsyncDisposable
{
    private static readonly byte[] RequestLineEnd = Encoding.ASCII.GetBytes(" HTTP/1.1\r\n");
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _upstream;
    private readonly TimeSpan _delay;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _requests;

    public DelayingProxy(IPEndPoint upstream, TimeSpan delay)
    {
        _upstream = upstream;
        _delay = delay;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Requests => Volatile.Read(ref _requests);

    public void ResetCount() => Interlocked.Exchange(ref _requests, 0);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                await upstream.ConnectAsync(_upstream, _stop.Token);
                var down = upstream.GetStream().CopyToAsync(client.GetStream(), _stop.Token);
                var up = PumpRequestsAsync(client.GetStream(), upstream.GetStream());
                await Task.WhenAny(down, up);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                // A connection closed by either side ends this pair; nothing to report in a benchmark.
            }
        }
    }

    private async Task PumpRequestsAsync(NetworkStream from, NetworkStream to)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var n = await from.ReadAsync(buffer, _stop.Token);
            if (n == 0)
            {
                return;
            }

            var requests = Count(buffer.AsSpan(0, n));
            if (requests > 0)
            {
                Interlocked.Add(ref _requests, requests);
                await Task.Delay(_delay, _stop.Token);
            }

            await to.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
        }
    }

    private static int Count(ReadOnlySpan<byte> data)
    {
        var count = 0;
        int i;
        while ((i = data.IndexOf(RequestLineEnd)) >= 0)
        {
            count++;
            data = data[(i + RequestLineEnd.Length)..];
        }

        return count;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
