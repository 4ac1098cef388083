using JdwpGateway.Protocol;
using JdwpGateway.Routing.Config;
using Microsoft.Extensions.Logging;
using Xunit;

namespace JdwpGateway.EndToEnd.Tests.BadInput;

/// <summary>
/// Vendor command sets have no layout the gateway knows: they pass through untouched in both directions and are
/// reported once per session, instead of being refused.
/// </summary>
[Collection(BadInputCollection.Name)]
public sealed class VendorCommandTests : BadInputTestBase
{
    [Fact]
    public async Task Vendor_commands_pass_through_untouched_in_both_directions_and_are_reported()
    {
        await using var vendorNode = new FakeNode(FakeNodeBehavior.VendorCommands);
        await using (var server = StartGateway([new NodeOptions { Name = "vendor-node", Address = $"127.0.0.1:{vendorNode.Port}" }]))
        {
            await using var debugger = await RawDebugger.AttachAsync(server.LocalEndPoint, Wait);

            byte[] sent = [0x01, 0x00, 0x7F, 0x80, 0xFF, 0xC0, 0x80];
            var id = await debugger.SendCommandAsync(FakeNode.VendorSet, 1, sent);

            // The node answers and at once sends a vendor command of its own: the two reach the debugger in either order.
            var first = await debugger.ReadPacketAsync(Wait);
            var second = await debugger.ReadPacketAsync(Wait);
            var reply = first.IsReply ? first : second;
            var fromNode = first.IsReply ? second : first;
            Assert.Equal(id, reply.Id);
            Assert.True(reply.IsReply);
            Assert.Equal(0, reply.ErrorCode);
            Assert.Equal(sent.Reverse(), reply.Body);

            // The node's own vendor command reaches the debugger with its body as the node wrote it.
            Assert.False(fromNode.IsReply);
            Assert.Equal((FakeNode.VendorSet, (byte)2), (fromNode.CommandSet, fromNode.Command));
            Assert.Equal(FakeNode.VendorCommandBody, fromNode.Body);

            byte[] answer = [0x09, 0x00, 0x08];
            var replyPacket = JdwpPacket.NewReply(fromNode.Id, 0, answer);
            var bytes = new byte[replyPacket.Length];
            replyPacket.CopyTo(bytes);
            await debugger.SendRawAsync(bytes);

            // ... and the debugger's answer returns to the node under the node's own packet id.
            var atNode = await vendorNode.VendorReply.WaitAsync(Wait);
            Assert.Equal(FakeNode.VendorCommandId, atNode.Id);
            Assert.Equal(0, atNode.ErrorCode);
            Assert.Equal(answer, atNode.Body);

            // A second vendor command works the same and is not reported again.
            var again = await debugger.CommandAsync(FakeNode.VendorSet, 3, [0x05, 0x06], Wait);
            Assert.Equal(new byte[] { 0x06, 0x05 }, again.Body);
            var reports = Log.Entries.Where(e => e.EventName == "VendorCommandPassedThrough").ToList();
            Assert.Equal(3, reports.Count);
            Assert.All(reports, r => Assert.Equal(LogLevel.Warning, r.Level));
            Assert.Contains(reports, r => r.Message.Contains("199/1", StringComparison.Ordinal) && r.Message.Contains("from debugger to vendor-node", StringComparison.Ordinal));
            Assert.Contains(reports, r => r.Message.Contains("199/2", StringComparison.Ordinal) && r.Message.Contains("from vendor-node to debugger", StringComparison.Ordinal));
        }

        AssertNothingUnhandled();
    }
}
