using JdwpGateway.Demo;
using JdwpGateway.Protocol.Encoding;
using Xunit;

namespace JdwpGateway.EndToEnd.Tests.BadInput;

/// <summary>
/// Well-formed commands carrying the wrong IDs, against real JVM nodes: a thread where a type goes, a type where a
/// thread goes, a frame of another thread, a stale frame after resume, IDs never handed out, absurd indexes and counts,
/// a request ID never issued. Each gets a JDWP error reply (or the JVM's own answer); the session stays up.
/// </summary>
[Collection(BadInputCollection.Name)]
public sealed class WrongIdTests : BadInputTestBase
{
    [Fact]
    public async Task Ids_of_the_wrong_kind_unknown_ids_and_absurd_counts_get_error_replies_and_the_session_stays_up()
    {
        await using var cluster = await DemoCluster.BuildAndStartAsync(2);
        await using (var server = StartGateway(NodesOf(cluster)))
        {
            await using var debugger = await RawDebugger.AttachAsync(server.LocalEndPoint, Wait);
            Assert.Equal(0, (await debugger.CommandAsync(1, 8, [], Wait)).ErrorCode);
            var threads = RawDebugger.ParseIds((await debugger.CommandAsync(1, 4, [], Wait)).Body);
            var classes = await debugger.CommandAsync(1, 2, new JdwpWriter().String("Ljava/lang/Thread;").ToArray(), Wait);
            var classReader = new JdwpReader(classes.Body);
            Assert.True(classReader.ReadInt32() > 0);
            classReader.ReadByte();
            var threadClass = classReader.ReadId(8);

            var frames = new List<(ulong Thread, ulong Frame)>();
            foreach (var thread in threads)
            {
                var reply = await debugger.CommandAsync(11, 6, new JdwpWriter().Id(thread, 8).Int(0).Int(1).ToArray(), Wait);
                var reader = new JdwpReader(reply.Body);
                if (reply.ErrorCode == 0 && reader.ReadInt32() > 0)
                {
                    frames.Add((thread, reader.ReadId(8)));
                }
            }

            Assert.True(frames.Count >= 2, $"expected frames on two threads, got {frames.Count}");
            var (threadA, frameA) = frames[0];
            var (threadB, _) = frames[1];
            const ulong Never = 0x7FFF_FFFF_FFFF_FFF0;

            var attacks = new (string What, byte Set, byte Command, byte[] Body)[]
            {
                ("a thread ID as a type (ReferenceType.Signature)", 2, 1, new JdwpWriter().Id(threadA, 8).ToArray()),
                ("a type ID as a thread (ThreadReference.Name)", 11, 1, new JdwpWriter().Id(threadClass, 8).ToArray()),
                ("a thread ID as an array (ArrayReference.Length)", 13, 1, new JdwpWriter().Id(threadA, 8).ToArray()),
                ("a thread ID as a thread group (ThreadGroupReference.Name)", 12, 1, new JdwpWriter().Id(threadA, 8).ToArray()),
                ("a null object (ObjectReference.ReferenceType)", 9, 1, new JdwpWriter().Id(0, 8).ToArray()),
                ("an ID never handed out (ObjectReference.ReferenceType)", 9, 1, new JdwpWriter().Id(Never, 8).ToArray()),
                ("an ID never handed out (ReferenceType.Methods)", 2, 5, new JdwpWriter().Id(ulong.MaxValue, 8).ToArray()),
                ("negative frame start and length", 11, 6, new JdwpWriter().Id(threadA, 8).Int(-5).Int(-7).ToArray()),
                ("frame start beyond the stack", 11, 6, new JdwpWriter().Id(threadA, 8).Int(int.MaxValue).Int(int.MaxValue).ToArray()),
                ("a frame of another thread (StackFrame.ThisObject)", 16, 3, new JdwpWriter().Id(threadB, 8).Id(frameA, 8).ToArray()),
                ("a frame ID never handed out (StackFrame.GetValues)", 16, 1, new JdwpWriter().Id(threadA, 8).Id(Never, 8).Int(0).ToArray()),
                ("a request ID never issued (EventRequest.Clear)", 15, 2, new JdwpWriter().Byte(2).Int(0x7FFF_FFFF).ToArray()),
                ("an event kind that does not exist (EventRequest.Clear)", 15, 2, new JdwpWriter().Byte(250).Int(1).ToArray()),
                ("a dispose of an ID never handed out with a huge count", 1, 14, new JdwpWriter().Int(1).Id(Never, 8).Int(int.MaxValue).ToArray()),
                ("a negative suspend count resume of a type ID", 11, 3, new JdwpWriter().Id(threadClass, 8).ToArray()),
            };

            var answers = new List<string>();
            foreach (var (what, set, command, body) in attacks)
            {
                var reply = await debugger.CommandAsync(set, command, body, Wait);
                answers.Add($"{what}: error {reply.ErrorCode}");
            }

            // A frame used after its thread was resumed is stale.
            Assert.Equal(0, (await debugger.CommandAsync(1, 9, [], Wait)).ErrorCode);
            Assert.Equal(0, (await debugger.CommandAsync(1, 9, [], Wait)).ErrorCode);
            var stale = await debugger.CommandAsync(16, 3, new JdwpWriter().Id(threadA, 8).Id(frameA, 8).ToArray(), Wait);
            answers.Add($"a stale frame after resume: error {stale.ErrorCode}");

            var (error, description) = await debugger.VersionAsync(Wait);
            Assert.True(error == 0 && description.Length > 0, string.Join("\n", answers));
            Assert.NotNull(server.ActiveSession);
            Assert.DoesNotContain(answers, a => a.StartsWith("a thread ID as a type", StringComparison.Ordinal) && a.EndsWith("error 0", StringComparison.Ordinal));
            Assert.DoesNotContain(answers, a => a.StartsWith("an ID never handed out", StringComparison.Ordinal) && a.EndsWith("error 0", StringComparison.Ordinal));
            Assert.DoesNotContain(answers, a => a.StartsWith("a frame of another thread", StringComparison.Ordinal) && a.EndsWith("error 0", StringComparison.Ordinal));
            Assert.DoesNotContain(answers, a => a.StartsWith("a stale frame", StringComparison.Ordinal) && a.EndsWith("error 0", StringComparison.Ordinal));
        }

        AssertNothingUnhandled();
    }
}
