using System.Net;
using System.Net.Sockets;

namespace JdwpGateway.Demo;

/// <summary>Hands out free loopback TCP ports.</summary>
public static class FreePort
{
    private const int RememberedPorts = 256;
    private static readonly object Gate = new();
    private static readonly Queue<int> RecentQueue = new();
    private static readonly HashSet<int> Recent = [];

    /// <summary>
    /// Returns a TCP port that is free on 127.0.0.1 right now (bind to port 0, read the port, close).
    /// Never returns a port it handed out during the last <c>256</c> calls in this process,
    /// so ports allocated together (e.g. for one cluster) are distinct even before they are bound.
    /// There is still an inherent race with other processes between this call and the real bind.
    /// </summary>
    public static int Next()
    {
        for (var attempt = 0; ; attempt++)
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
            lock (Gate)
            {
                if (Recent.Contains(port) && attempt < 100)
                {
                    continue;
                }

                Recent.Add(port);
                RecentQueue.Enqueue(port);
                if (RecentQueue.Count > RememberedPorts)
                {
                    Recent.Remove(RecentQueue.Dequeue());
                }

                return port;
            }
        }
    }
}
