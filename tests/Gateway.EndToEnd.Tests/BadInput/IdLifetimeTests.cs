using JdwpGateway.Demo;
using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Spec;
using Xunit;

namespace JdwpGateway.EndToEnd.Tests.BadInput;

/// <summary>
/// Virtual IDs are released when the debugger lets go of them, and an ID that was released never names anything again,
/// against real JVM nodes.
/// </summary>
[Collection(BadInputCollection.Name)]
public sealed class IdLifetimeTests : BadInputTestBase
{
    [Fact]
    public async Task A_disposed_object_ID_is_forgotten_and_the_object_gets_a_new_ID_when_seen_again()
    {
        await using var cluster = await DemoCluster.BuildAndStartAsync(2);
        await using (var server = StartGateway(NodesOf(cluster)))
        {
            await using var debugger = await RawDebugger.AttachAsync(server.LocalEndPoint, Wait);
            var threads = RawDebugger.ParseIds((await debugger.CommandAsync(1, 4, [], Wait)).Body);
            var thread = threads[0];
            var name = await ThreadNameAsync(debugger, thread);
            var live = server.ActiveSession!.Vm.Objects.Count;

            // JDI disposes a mirror with the number of times it received the ID.
            var dispose = await debugger.CommandAsync(1, 14, new JdwpWriter().Int(1).Id(thread, 8).Int(1).ToArray(), Wait);
            Assert.Equal(0, dispose.ErrorCode);
            Assert.Equal(live - 1, server.ActiveSession.Vm.Objects.Count);

            var stale = await debugger.CommandAsync(11, 1, new JdwpWriter().Id(thread, 8).ToArray(), Wait);
            Assert.Equal((short)ErrorCode.InvalidThread, stale.ErrorCode);

            var again = RawDebugger.ParseIds((await debugger.CommandAsync(1, 4, [], Wait)).Body);
            Assert.DoesNotContain(thread, again);
            var names = new List<string>();
            foreach (var id in again)
            {
                names.Add(await ThreadNameAsync(debugger, id));
            }

            Assert.Contains(name, names);
        }

        AssertNothingUnhandled();
    }

    [Fact]
    public async Task Resuming_a_thread_forgets_its_frames_and_resuming_the_VM_forgets_all_frames()
    {
        await using var cluster = await DemoCluster.BuildAndStartAsync(2);
        await using (var server = StartGateway(NodesOf(cluster)))
        {
            await using var debugger = await RawDebugger.AttachAsync(server.LocalEndPoint, Wait);
            var frames = server.ActiveSession!.Vm.Frames;
            Assert.Equal(0, (await debugger.CommandAsync(1, 8, [], Wait)).ErrorCode);
            Assert.Equal(0, (await debugger.CommandAsync(1, 8, [], Wait)).ErrorCode);
            var threads = RawDebugger.ParseIds((await debugger.CommandAsync(1, 4, [], Wait)).Body);
            var withFrames = new List<(ulong Thread, ulong Frame)>();
            foreach (var thread in threads)
            {
                var reply = await debugger.CommandAsync(11, 6, new JdwpWriter().Id(thread, 8).Int(0).Int(-1).ToArray(), Wait);
                Assert.Equal(0, reply.ErrorCode);
                var reader = new JdwpReader(reply.Body);
                if (reader.ReadInt32() > 0)
                {
                    withFrames.Add((thread, reader.ReadId(8)));
                }
            }

            Assert.True(withFrames.Count >= 2, $"expected frames on at least two threads, got {withFrames.Count}");
            var before = frames.Count;
            var (resumed, resumedFrame) = withFrames[0];
            var (kept, keptFrame) = withFrames[1];

            // The VM was suspended twice, so the thread stays suspended on its node after one resume: the frame would
            // still be valid there, but a debugger forgets it on resume, and so does the gateway.
            Assert.Equal(0, (await debugger.CommandAsync(11, 3, new JdwpWriter().Id(resumed, 8).ToArray(), Wait)).ErrorCode);
            Assert.True(frames.Count < before, $"frames table still holds {frames.Count} of {before}");
            Assert.False(frames.TryResolve(resumedFrame, out var leftover), $"frame {resumedFrame:x} of {resumed:x} still resolves to {leftover}; kept {keptFrame:x} of {kept:x}; {before} -> {frames.Count}");
            var stale = await debugger.CommandAsync(16, 3, new JdwpWriter().Id(resumed, 8).Id(resumedFrame, 8).ToArray(), Wait);
            Assert.True(stale.ErrorCode == (short)ErrorCode.InvalidFrameId, $"got {stale.ErrorCode} body {Convert.ToHexString(stale.Body)} for frame {resumedFrame:x}\n" + Log.Dump());
            var stillValid = await debugger.CommandAsync(16, 3, new JdwpWriter().Id(kept, 8).Id(keptFrame, 8).ToArray(), Wait);
            Assert.Equal(0, stillValid.ErrorCode);

            Assert.Equal(0, (await debugger.CommandAsync(1, 9, [], Wait)).ErrorCode);
            Assert.Equal(0, (await debugger.CommandAsync(1, 9, [], Wait)).ErrorCode);
            Assert.Equal(0, frames.Count);
        }

        AssertNothingUnhandled();
    }

    private static async Task<string> ThreadNameAsync(RawDebugger debugger, ulong thread)
    {
        var reply = await debugger.CommandAsync(11, 1, new JdwpWriter().Id(thread, 8).ToArray(), Wait);
        Assert.Equal(0, reply.ErrorCode);
        return RawDebugger.ParseString(reply.Body);
    }
}
