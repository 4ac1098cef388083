using JdwpGateway.Cli;
using JdwpGateway.EndToEnd.Tests.Gateway;
using JdwpGateway.EndToEnd.Tests.Support;
using JdwpGateway.Protocol.Capture;
using Xunit;

namespace JdwpGateway.EndToEnd.Tests.Capture;

/// <summary>
/// The gateway records a real jdb session (debugger and node connections) with <c>Record</c> set; the capture then
/// decodes completely and re-encodes byte for byte with the same code as <c>jdwp-gateway decode --verify</c>.
/// </summary>
public sealed class RecordingTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);
    private static readonly int ProcessEntry = SourceMarkers.Line("OrderService.java", SourceMarkers.ProcessEntry);

    private readonly string _directory = Directory.CreateTempSubdirectory("jdwp-record-").FullName;
    private GatewayCluster? _gateway;

    private GatewayCluster Gw => _gateway ?? throw new InvalidOperationException("not started");

    /// <inheritdoc />
    public async Task InitializeAsync() => _gateway = await GatewayCluster.StartAsync(2, o => o with { Record = _directory });

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_recorded_jdb_session_decodes_with_no_unknown_command_and_verifies_byte_exactly()
    {
        var jdb = await Gw.AttachJdbAsync();
        try
        {
            await jdb.ExpectAsync("threads", @"\[node-b\] worker", Wait);
            await jdb.ExpectAsync($"stop at fabric.demo.OrderService:{ProcessEntry}", "Set breakpoint", Wait);
            await jdb.WaitForAsync($@"Breakpoint hit: [^""\n]*""thread=\[node-[ab]\] worker"", fabric\.demo\.OrderService\.process\(\), line={ProcessEntry}", Wait);
            await jdb.ExpectAsync("where", @"\[1\] fabric\.demo\.OrderService\.process \(OrderService\.java:\d+\)", Wait);
            await jdb.ExpectAsync("locals", @"order = instance of fabric\.demo\.Order", Wait);
            await jdb.ExpectAsync($"clear fabric.demo.OrderService:{ProcessEntry}", "Removed: breakpoint", Wait);
            await jdb.ExpectAsync("cont", "> ", Wait);
            await jdb.SendAsync("exit");
            await jdb.WaitForExitAsync(Wait);
        }
        catch (Exception e) when (e is TimeoutException or Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException(Gw.Describe(jdb, e.Message));
        }
        finally
        {
            await jdb.DisposeAsync();
        }

        // The session's file is complete once the session has closed every connection.
        await Gw.WaitForNoSessionAsync();
        var file = Assert.Single(Directory.GetFiles(_directory, "*.jdwpcap"));
        var output = new StringWriter();
        var errors = new StringWriter();

        var result = DecodeCommand.Run(file, verify: true, output, errors);

        Assert.True(result.ExitCode == 0, $"decode --verify exited {result.ExitCode}:\n{errors}");
        Assert.Equal((0, 0, 0, 0), (result.UnknownCommands, result.UnpairedReplies, result.MismatchedPackets, result.Malformed));
        Assert.Equal(string.Empty, errors.ToString());
        Assert.Equal(["debugger#1", "node-a@session#1", "node-b@session#1"], result.Connections.Order(StringComparer.Ordinal));
        Assert.Equal(result.Commands, result.Replies);
        foreach (var command in new[] { "VirtualMachine.IDSizes", "VirtualMachine.AllThreads", "EventRequest.Set", "ThreadReference.Frames", "StackFrame.GetValues", "Event.Composite", "VirtualMachine.Dispose" })
        {
            Assert.True(result.CommandsByName.ContainsKey(command), $"{command} is not in the capture:\n{Tail(output)}");
        }

        // Every connection was recorded from its handshake on, both ways.
        var records = CaptureFile.Read(file).Records;
        foreach (var connection in result.Connections)
        {
            foreach (var direction in new[] { CaptureDirection.ToVm, CaptureDirection.FromVm })
            {
                var first = records.First(r => r.Connection == connection && r.Direction == direction);
                Assert.Equal("JDWP-Handshake"u8.ToArray(), first.Data.ToArray());
            }
        }

        // The breakpoint hit reached the debugger as an event the gateway wrote, and came from a node first.
        var text = output.ToString();
        Assert.Matches(@"node-[ab]@session#1 FromVm #\d+ → Event\.Composite\n  suspendPolicy: 2 \(All\)\n  events: \[1\]\n    \[0\] eventKind: 2 Breakpoint", text);
        Assert.Matches(@"debugger#1 FromVm #\d+ → Event\.Composite\n  suspendPolicy: 2 \(All\)\n  events: \[1\]\n    \[0\] eventKind: 2 Breakpoint", text);
    }

    private static string Tail(StringWriter output)
    {
        var text = output.ToString();
        return text.Length > 4000 ? text[^4000..] : text;
    }
}
