using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.RegularExpressions;
using JdwpGateway.Demo;
using JdwpGateway.EndToEnd.Tests.Support;
using JdwpGateway.Protocol;
using Microsoft.Extensions.Logging;
using Xunit;

namespace JdwpGateway.EndToEnd.Tests.BadInput;

/// <summary>
/// A debugger that misbehaves (garbage, bad headers, truncated packets, bodies that do not match their command,
/// no handshake, a second debugger) loses its own connection with a log line naming it, the packet id and the byte
/// offset; the gateway keeps serving the next debugger over real JVM nodes.
/// </summary>
[Collection(BadInputCollection.Name)]
public sealed class DebuggerBadInputTests : BadInputTestBase
{
    [Fact]
    public async Task Garbage_instead_of_the_handshake_closes_that_connection_and_jdb_attaches_afterwards()
    {
        var java = JavaToolchain.Find();
        await using var cluster = await DemoCluster.BuildAndStartAsync(2, java);
        await using (var server = StartGateway(NodesOf(cluster)))
        {
            await using (var garbage = await RawDebugger.ConnectAsync(server.LocalEndPoint))
            {
                // Matches "JDWP-Handshake" for 6 bytes, then differs: the log must point at byte 6.
                await garbage.SendRawAsync("JDWP-Hello, is this HTTP?\r\n\r\n"u8.ToArray());
                Assert.True(await garbage.WaitForCloseAsync(Wait), "the gateway kept a connection open that sent garbage instead of the handshake\n" + Log.Dump());
            }

            var line = await Log.WaitForAsync(e => e.EventName == "MalformedInput" && e.Message.Contains("debugger#1", StringComparison.Ordinal), "about debugger#1's garbage", Wait);
            Assert.Equal(LogLevel.Warning, line.Level);
            Assert.Contains("byte offset 6", line.Message, StringComparison.Ordinal);
            Assert.Contains("JDWP-Handshake", line.Message, StringComparison.Ordinal);
            Assert.Null(server.ActiveSession);

            await using var jdb = await JdbDriver.AttachAsync(server.LocalEndPoint.Port, java, timeout: Wait);
            try
            {
                // Thread lines look like "  (java.lang.Thread)4930   [node-a] Signal Dispatcher   running"; group headers
                // ("Group [node-a] system:") also carry the node name, so match thread lines only.
                const string nodeA = @"\([\w.$]+\)(?:0x)?[0-9a-f]+\s+\[node-a\] \S";
                const string nodeB = @"\([\w.$]+\)(?:0x)?[0-9a-f]+\s+\[node-b\] \S";
                var threads = await jdb.ExpectAsync("threads", $"{nodeA}[\\s\\S]*{nodeB}|{nodeB}[\\s\\S]*{nodeA}", Wait);
                Assert.Contains("[node-a] ", threads.Value, StringComparison.Ordinal);
                Assert.Contains("[node-b] ", threads.Value, StringComparison.Ordinal);
            }
            catch (TimeoutException e)
            {
                throw new TimeoutException(e.Message + "\nGateway log:\n" + Log.Dump(), e);
            }
        }

        AssertNothingUnhandled();
    }

    [Fact]
    public async Task A_debugger_that_closes_during_the_handshake_is_logged_and_the_gateway_keeps_listening()
    {
        // No session starts, so no JVM is needed: the node is a port nobody listens on.
        await using (var server = StartGateway([new Routing.Config.NodeOptions { Name = "node-a", Address = $"127.0.0.1:{FreePort.Next()}" }]))
        {
            await using (var early = await RawDebugger.ConnectAsync(server.LocalEndPoint))
            {
                await early.SendRawAsync("JDWP-Ha"u8.ToArray());
                early.ShutdownSend();
                Assert.True(await early.WaitForCloseAsync(Wait), "the gateway kept a half-handshaken, half-closed connection open\n" + Log.Dump());
            }

            var line = await Log.WaitForAsync(e => e.EventName == "MalformedInput" && e.Message.Contains("debugger#1", StringComparison.Ordinal), "about debugger#1 closing during the handshake", Wait);
            Assert.Equal(LogLevel.Warning, line.Level);
            Assert.Contains("byte offset 7", line.Message, StringComparison.Ordinal);
            Assert.Contains("handshake", line.Message, StringComparison.Ordinal);

            // The listener still accepts the next debugger, but with no node reachable it does not answer the handshake
            // (a VM without classes or threads breaks JDI): the attach fails cleanly, with the reason in the log.
            await using var next = await RawDebugger.ConnectAsync(server.LocalEndPoint);
            await next.SendRawAsync("JDWP-Handshake"u8.ToArray());
            Assert.True(await next.WaitForCloseAsync(Wait), "a debugger was kept attached to a virtual VM without nodes\n" + Log.Dump());
            var refusal = await Log.WaitForAsync(e => e.EventName == "NoNodeReachable", "about no node being reachable", Wait);
            Assert.Contains("node-a=127.0.0.1:", refusal.Message, StringComparison.Ordinal);
        }

        AssertNothingUnhandled();
    }

    public static TheoryData<string, byte[], int, string> BadHeaders()
    {
        // Each header follows one good VirtualMachine.Version command (11 bytes) after the 14-byte handshake: offset 25.
        static byte[] Header(int length, int id, byte flags)
        {
            var header = new byte[JdwpPacket.HeaderLength];
            BinaryPrimitives.WriteInt32BigEndian(header, length);
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), id);
            header[8] = flags;
            header[9] = 1;
            header[10] = 1;
            return header;
        }

        return new()
        {
            { "length 5, below the 11-byte header", Header(5, 0x1234ABCD, 0), 25, "smaller than the 11-byte header" },
            { "length 0x7fffffff, above the limit", Header(0x7fffffff, 0x1234ABCD, 0), 25, "exceeds the limit" },
            { "unknown flag bits", Header(11, 0x1234ABCD, 0x41), 33, "unknown flag bits 0x41" },
        };
    }

    [Theory]
    [MemberData(nameof(BadHeaders))]
    public async Task A_bad_packet_header_closes_that_connection_and_the_next_debugger_is_served(string what, byte[] header, int offset, string problem)
    {
        await using var cluster = await DemoCluster.BuildAndStartAsync(2);
        await using (var server = StartGateway(NodesOf(cluster)))
        {
            await using (var bad = await RawDebugger.AttachAsync(server.LocalEndPoint))
            {
                var (error, _) = await bad.VersionAsync();
                Assert.Equal(0, error);
                await bad.SendRawAsync(header);
                Assert.True(await bad.WaitForCloseAsync(Wait), $"the gateway kept the connection open after a header with {what}\n{Log.Dump()}");
            }

            var line = await Log.WaitForAsync(e => e.EventName == "MalformedInput" && e.Message.Contains("debugger#1", StringComparison.Ordinal), $"about the header with {what}", Wait);
            Assert.Equal(LogLevel.Warning, line.Level);
            Assert.Contains($"packet id {0x1234ABCD}", line.Message, StringComparison.Ordinal);
            Assert.Contains($"byte offset {offset}", line.Message, StringComparison.Ordinal);
            Assert.Contains(problem, line.Message, StringComparison.Ordinal);
            await Log.WaitForAsync(e => e.EventName == "DebuggerDetached" && e.Message.Contains("session#1", StringComparison.Ordinal), "saying session#1 detached", Wait);

            await WaitUntilNoSessionAsync(server);
            await using var next = await RawDebugger.AttachAsync(server.LocalEndPoint);
            var description = await EventuallyAsync(
                async () =>
                {
                    var (code, text) = await next.VersionAsync();
                    Assert.Equal(0, code);
                    return text;
                },
                d => d.Contains("node-a", StringComparison.Ordinal) && d.Contains("node-b", StringComparison.Ordinal),
                "a Version description naming node-a and node-b");
            Assert.StartsWith("JdwpGateway virtual VM over 2 node(s)", description, StringComparison.Ordinal);
        }

        AssertNothingUnhandled();
    }

    public static TheoryData<string, int, bool> Truncations() => new()
    {
        // A 40-byte packet of which the header and 4 body bytes arrive; 14 + 11 bytes precede it.
        { "half a packet", 15, true },
        { "half a header", 5, false },
    };

    [Theory]
    [MemberData(nameof(Truncations))]
    public async Task A_debugger_that_closes_inside_a_packet_is_logged_and_the_next_debugger_is_served(string what, int sent, bool idKnown)
    {
        const int id = 0x00C0FFEE;
        await using var cluster = await DemoCluster.BuildAndStartAsync(2);
        await using (var server = StartGateway(NodesOf(cluster)))
        {
            await using (var bad = await RawDebugger.AttachAsync(server.LocalEndPoint))
            {
                var (error, _) = await bad.VersionAsync();
                Assert.Equal(0, error);
                var packet = JdwpPacket.NewCommand(id, 1, 2, new byte[29]);
                var bytes = new byte[packet.Length];
                packet.CopyTo(bytes);
                await bad.SendRawAsync(bytes.AsMemory(0, sent));
                bad.ShutdownSend();
                Assert.True(await bad.WaitForCloseAsync(Wait), $"the gateway kept the connection open after {what}\n{Log.Dump()}");
            }

            var line = await Log.WaitForAsync(e => e.EventName == "MalformedInput" && e.Message.Contains("debugger#1", StringComparison.Ordinal), $"about {what}", Wait);
            Assert.Equal(LogLevel.Warning, line.Level);
            Assert.Contains("closed inside a packet", line.Message, StringComparison.Ordinal);
            if (idKnown)
            {
                Assert.Contains($"packet id {id}", line.Message, StringComparison.Ordinal);
            }

            // The offset is where the packet started (25) or where the stream ended (25 + bytes received).
            Assert.Matches($@"byte offset ({25}|{25 + sent})\b", line.Message);

            await WaitUntilNoSessionAsync(server);
            await using var next = await RawDebugger.AttachAsync(server.LocalEndPoint);
            var (code, description) = await next.VersionAsync();
            Assert.Equal(0, code);
            Assert.Contains("JdwpGateway virtual VM", description, StringComparison.Ordinal);
        }

        AssertNothingUnhandled();
    }

    [Fact]
    public async Task A_debugger_that_reconnects_as_soon_as_its_bad_connection_was_closed_is_served()
    {
        const int rounds = 25;
        var refusals = new List<string>();
        await using var cluster = await DemoCluster.BuildAndStartAsync(2);
        await using (var server = StartGateway(NodesOf(cluster)))
        {
            for (var round = 1; round <= rounds; round++)
            {
                await using (var bad = await RawDebugger.AttachAsync(server.LocalEndPoint))
                {
                    var (error, _) = await bad.VersionAsync();
                    Assert.Equal(0, error);
                    await bad.SendRawAsync(new byte[] { 0, 0, 0, 5, 0, 0, 0, 7, 0, 1, 1 });
                    Assert.True(await bad.WaitForCloseAsync(Wait), $"round {round}: the bad connection was not closed\n{Log.Dump()}");
                }

                // Reconnect at once, as a debugger's reconnect loop does: the old session's debugger is gone, so the
                // gateway must not refuse this one as "a second debugger".
                await using (var next = await RawDebugger.AttachAsync(server.LocalEndPoint))
                {
                    try
                    {
                        var (code, _) = await next.VersionAsync();
                        Assert.Equal(0, code);
                    }
                    catch (EndOfStreamException)
                    {
                        refusals.Add($"round {round}: {Log.Entries.LastOrDefault(e => e.EventName == "SecondDebuggerRefused")?.Message ?? "closed without a refusal line"}");
                    }
                }

                await WaitUntilNoSessionAsync(server);
            }
        }

        Assert.True(refusals.Count == 0, $"{refusals.Count} of {rounds} debuggers that attached right after the previous connection was closed were refused:\n{string.Join("\n", refusals)}");
        AssertNothingUnhandled();
    }

    [Fact]
    public async Task A_debugger_that_never_handshakes_is_closed_after_the_timeout_and_does_not_block_real_sessions()
    {
        await using var cluster = await DemoCluster.BuildAndStartAsync(2);
        await using (var server = StartGateway(NodesOf(cluster), handshakeTimeout: TimeSpan.FromSeconds(1)))
        {
            var idleClock = Stopwatch.StartNew();
            await using var idle = await RawDebugger.ConnectAsync(server.LocalEndPoint);
            await using var partial = await RawDebugger.ConnectAsync(server.LocalEndPoint);
            await partial.SendRawAsync("JDWP-Ha"u8.ToArray());

            // While both pre-handshake connections are open, a real debugger attaches and is served.
            await using (var real = await RawDebugger.AttachAsync(server.LocalEndPoint))
            {
                var (code, description) = await real.VersionAsync();
                Assert.Equal(0, code);
                Assert.Contains("node-a", description, StringComparison.Ordinal);
                Assert.Contains("node-b", description, StringComparison.Ordinal);
            }

            Assert.True(await idle.WaitForCloseAsync(Wait), "a connection that never handshook is still open\n" + Log.Dump());
            var idleLifetime = idleClock.Elapsed;
            Assert.True(await partial.WaitForCloseAsync(Wait), "a connection that sent half the handshake is still open\n" + Log.Dump());
            Assert.True(idleLifetime >= TimeSpan.FromMilliseconds(900), $"closed after {idleLifetime.TotalMilliseconds:0} ms, before the 1 s handshake timeout");

            var idleLine = await Log.WaitForAsync(e => e.EventName == "HandshakeTimeout" && e.Message.Contains("debugger#1:", StringComparison.Ordinal), "about debugger#1's missing handshake", Wait);
            Assert.Equal(LogLevel.Warning, idleLine.Level);
            await Log.WaitForAsync(e => e.EventName == "HandshakeTimeout" && e.Message.Contains("debugger#2:", StringComparison.Ordinal), "about debugger#2's half handshake", Wait);
            Assert.DoesNotContain(Log.Entries, e => e.EventName == "SecondDebuggerRefused");

            // After they are gone, the next debugger is served too.
            await WaitUntilNoSessionAsync(server);
            await using var next = await RawDebugger.AttachAsync(server.LocalEndPoint);
            var (nextCode, _) = await next.VersionAsync();
            Assert.Equal(0, nextCode);
        }

        AssertNothingUnhandled();
    }

    public static TheoryData<byte, byte, string, byte[], int> MismatchedBodies() => new()
    {
        { 11, 1, "ThreadReference.Name", [1, 2, 3], 11 },
        { 3, 3, "ClassType.InvokeMethod", [1, 2, 3], 11 },
        { 1, 2, "VirtualMachine.ClassesBySignature", [0, 0, 3, 232, (byte)'L', (byte)'x'], 11 },
        { 15, 2, "EventRequest.Clear", [8, 0], 12 },
    };

    [Theory]
    [MemberData(nameof(MismatchedBodies))]
    public async Task A_body_that_does_not_match_its_command_closes_that_connection_and_the_next_debugger_is_served(byte set, byte command, string name, byte[] body, int offset)
    {
        const int id = 0x5150;
        await using var cluster = await DemoCluster.BuildAndStartAsync(2);
        await using (var server = StartGateway(NodesOf(cluster)))
        {
            await using (var bad = await RawDebugger.AttachAsync(server.LocalEndPoint))
            {
                var (error, _) = await bad.VersionAsync();
                Assert.Equal(0, error);
                await bad.SendCommandAsync(set, command, body, id);
                Assert.True(await bad.WaitForCloseAsync(Wait), $"the gateway kept the connection open after a {name} with a {body.Length}-byte body\n{Log.Dump()}");
            }

            var line = await Log.WaitForAsync(e => e.EventName == "MalformedInput" && e.Message.Contains("debugger#1", StringComparison.Ordinal), $"about the malformed {name}", Wait);
            Assert.Equal(LogLevel.Warning, line.Level);
            Assert.Contains($"packet id {id}", line.Message, StringComparison.Ordinal);
            Assert.Contains(name, line.Message, StringComparison.Ordinal);
            Assert.Contains($"byte offset {offset}", line.Message, StringComparison.Ordinal);

            await WaitUntilNoSessionAsync(server);
            await using var next = await RawDebugger.AttachAsync(server.LocalEndPoint);
            var (code, description) = await next.VersionAsync();
            Assert.Equal(0, code);
            Assert.Contains("JdwpGateway virtual VM", description, StringComparison.Ordinal);
        }

        AssertNothingUnhandled();
    }

    [Theory]
    [InlineData(0xC7, 1, 99)]
    [InlineData(1, 200, 113)]
    [InlineData(250, 250, 99)]
    public async Task An_unknown_command_passes_through_the_JVM_answers_it_and_the_connection_stays_open(byte set, byte command, short jvmAnswer)
    {
        await using var cluster = await DemoCluster.BuildAndStartAsync(2);
        await using (var server = StartGateway(NodesOf(cluster)))
        {
            await using var debugger = await RawDebugger.AttachAsync(server.LocalEndPoint);
            // HotSpot's agent answers an unknown set with NOT_IMPLEMENTED and an unknown command of a known set with
            // INTERNAL; the gateway passes on whatever the node says.
            var reply = await debugger.CommandAsync(set, command, [0, 0, 0, 0]);
            Assert.True(reply.IsReply);
            Assert.Equal(jvmAnswer, reply.ErrorCode);

            // A stray reply packet from the debugger is ignored too.
            var stray = JdwpPacket.NewReply(4242, 0, [1, 2, 3]);
            var strayBytes = new byte[stray.Length];
            stray.CopyTo(strayBytes);
            await debugger.SendRawAsync(strayBytes);

            var (code, description) = await debugger.VersionAsync();
            Assert.Equal(0, code);
            Assert.Contains("node-a", description, StringComparison.Ordinal);
            Assert.Contains("node-b", description, StringComparison.Ordinal);
            var names = await debugger.AllThreadNamesAsync();
            Assert.Contains(names, n => n.StartsWith("[node-a] ", StringComparison.Ordinal));
            Assert.Contains(names, n => n.StartsWith("[node-b] ", StringComparison.Ordinal));
            Assert.True(server.ActiveSession is not null, "the session ended\n" + Log.Dump());
            Assert.DoesNotContain(Log.Entries, e => e.EventName is "MalformedInput" or "DebuggerDetached");
            Assert.Contains(Log.Entries, e => e.EventName == "VendorCommandPassedThrough" && e.Message.Contains($"{set}/{command} passed through untouched from debugger to node-a", StringComparison.Ordinal));
        }

        AssertNothingUnhandled();
    }

    [Fact]
    public async Task A_second_debugger_is_refused_and_the_first_keeps_working()
    {
        await using var cluster = await DemoCluster.BuildAndStartAsync(2);
        await using (var server = StartGateway(NodesOf(cluster)))
        {
            await using var first = await RawDebugger.AttachAsync(server.LocalEndPoint);
            var (code, _) = await first.VersionAsync();
            Assert.Equal(0, code);
            var session = server.ActiveSession;
            Assert.NotNull(session);

            await using (var second = await RawDebugger.ConnectAsync(server.LocalEndPoint))
            {
                await second.SendRawAsync("JDWP-Handshake"u8.ToArray());
                Assert.True(await second.WaitForCloseAsync(Wait), "a second debugger was not refused\n" + Log.Dump());
            }

            var refused = await Log.WaitForAsync(e => e.EventName == "SecondDebuggerRefused", "refusing the second debugger", Wait);
            Assert.Equal(LogLevel.Warning, refused.Level);
            Assert.StartsWith("Refusing debugger", refused.Message, StringComparison.Ordinal);
            Assert.Contains(session.Name, refused.Message, StringComparison.Ordinal);

            Assert.Same(session, server.ActiveSession);
            var (again, description) = await first.VersionAsync();
            Assert.Equal(0, again);
            Assert.Contains("node-a", description, StringComparison.Ordinal);
            Assert.Contains("node-b", description, StringComparison.Ordinal);
            var names = await first.AllThreadNamesAsync();
            Assert.Contains(names, n => n.StartsWith("[node-a] ", StringComparison.Ordinal));
            Assert.Contains(names, n => n.StartsWith("[node-b] ", StringComparison.Ordinal));
        }

        AssertNothingUnhandled();
    }
}
