using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace JdwpGateway.EndToEnd.Tests.Admin;

/// <summary><c>jdwp-gateway serve --admin</c> as a user runs it: bad admin settings stop it with one clear line.</summary>
public sealed class ServeAdminOptionTests
{
    [Fact]
    public async Task A_non_loopback_admin_address_is_refused_unless_allowed()
    {
        var (code, output) = await ServeAsync("--admin", "0.0.0.0:0");

        Assert.Equal(2, code);
        Assert.Contains("admin listen '0.0.0.0:0' is not a loopback address", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Allowing_remote_admin_needs_an_admin_address()
    {
        var (code, output) = await ServeAsync("--admin-allow-remote");

        Assert.Equal(2, code);
        Assert.Equal("jdwp-gateway: --admin-allow-remote needs --admin (or admin: in the file)", output.Trim());
    }

    [Fact]
    public async Task An_admin_port_in_use_stops_the_gateway_with_one_line()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (code, output) = await ServeAsync("--admin", $"127.0.0.1:{port}");

        Assert.Equal(1, code);
        Assert.Contains($"jdwp-gateway: cannot serve the admin listener on 127.0.0.1:{port}:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output)> ServeAsync(params string[] extra)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "jdwp-gateway.dll"), "serve", "--listen", "127.0.0.1:0", "--node", "a=127.0.0.1:1" }.Concat(extra))
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        var err = process.StandardError.ReadToEndAsync();
        var output = await process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"serve {string.Join(' ', extra)} did not stop within 60 s:\n{output}{await err}");
        }

        return (process.ExitCode, output + await err);
    }
}
