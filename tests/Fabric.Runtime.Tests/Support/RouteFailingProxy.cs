using System.Net;

namespace Fabric.Runtime.Tests.Support;

/// <summary>
/// An HTTP proxy in front of a real registry that answers 500 on the routes a test chooses (a registry whose
/// closure or batch endpoint is broken while the rest works) and passes every other request through. Counts what it
/// refused.
/// </summary>
public sealed class RouteFailingProxy : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly HttpClient _upstream = new();
    private readonly string _target;
    private readonly Func<HttpListenerRequest, bool> _fails;
    private readonly Task _loop;
    private int _refused;

    private RouteFailingProxy(string target, Func<HttpListenerRequest, bool> fails, int port)
    {
        _target = target.TrimEnd('/');
        _fails = fails;
        Url = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Url + "/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string Url { get; }

    public int Refused => Volatile.Read(ref _refused);

    public static RouteFailingProxy Start(string target, Func<HttpListenerRequest, bool> fails) =>
        new(target, fails, GatewayClient.FreePort());

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
        {
        }

        _upstream.Dispose();
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(context));
        }
    }

    private async Task ServeAsync(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            if (_fails(context.Request))
            {
                Interlocked.Increment(ref _refused);
                response.StatusCode = 500;
                await response.OutputStream.WriteAsync("broken on purpose\n"u8.ToArray());
                return;
            }

            using var forward = new HttpRequestMessage(new HttpMethod(context.Request.HttpMethod), _target + context.Request.RawUrl);
            if (context.Request.HasEntityBody)
            {
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                forward.Content = new ByteArrayContent(body.ToArray());
            }

            using var answer = await _upstream.SendAsync(forward);
            response.StatusCode = (int)answer.StatusCode;
            foreach (var (name, values) in answer.Headers)
            {
                if (name.StartsWith("X-Fabric-", StringComparison.OrdinalIgnoreCase))
                {
                    response.Headers[name] = values.First();
                }
            }

            var bytes = await answer.Content.ReadAsByteArrayAsync();
            response.ContentLength64 = bytes.Length;
            await response.OutputStream.WriteAsync(bytes);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or HttpRequestException or ObjectDisposedException)
        {
            // The node hung up, or the test ended.
        }
        finally
        {
            try
            {
                response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
            }
        }
    }
}
