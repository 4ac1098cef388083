using JdwpGateway.Demo;
using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Spec;
using Xunit;

namespace JdwpGateway.EndToEnd.Tests.BadInput;

/// <summary>
/// SetValues commands carry untagged values whose type the gateway must look up (the array's component type, the
/// field's signature) before it can translate them. A lookup the gateway has not made yet, or cannot make, is a miss or
/// an error of that one command: the command is retried or refused, and the connection stays open.
/// </summary>
[Collection(BadInputCollection.Name)]
public sealed class UntaggedSetValuesTests : BadInputTestBase
{
    [Fact]
    public async Task ArrayReference_SetValues_on_an_array_the_gateway_has_not_typed_yet_is_forwarded_and_an_unknown_field_is_refused()
    {
        await using var cluster = await DemoCluster.BuildAndStartAsync(2);
        await using (var server = StartGateway(NodesOf(cluster)))
        {
            await using var debugger = await RawDebugger.AttachAsync(server.LocalEndPoint, Wait);

            // Worker.CUSTOMERS, a static String[], read as an IDE does: type, fields, static value.
            var classes = await OkAsync(debugger, 1, 2, new JdwpWriter().String("Lfabric/demo/Worker;").ToArray());
            var reader = new JdwpReader(classes);
            Assert.True(reader.ReadInt32() >= 1);
            reader.ReadByte();
            var worker = reader.ReadId(8);
            var fields = new JdwpReader(await OkAsync(debugger, 2, 14, new JdwpWriter().Id(worker, 8).ToArray()));
            ulong customers = 0;
            for (var n = fields.ReadInt32(); n > 0; n--)
            {
                var id = fields.ReadId(8);
                var name = fields.ReadString();
                fields.ReadStringBytes();
                fields.ReadStringBytes();
                fields.ReadInt32();
                customers = name == "CUSTOMERS" ? id : customers;
            }

            Assert.NotEqual(0UL, customers);
            var statics = new JdwpReader(await OkAsync(debugger, 2, 6, new JdwpWriter().Id(worker, 8).Int(1).Id(customers, 8).ToArray()));
            Assert.Equal(1, statics.ReadInt32());
            Assert.Equal((byte)'[', statics.ReadByte());
            var array = statics.ReadId(8);

            // The first command naming the array assigns element 0 an object (an untagged 8-byte ID): the gateway must
            // look up the component type first, then forward it.
            var alice = new JdwpReader(await OkAsync(debugger, 1, 11, new JdwpWriter().String("alice").ToArray())).ReadId(8);
            await OkAsync(debugger, 13, 3, new JdwpWriter().Id(array, 8).Int(0).Int(1).Id(alice, 8).ToArray());
            var region = new JdwpReader(await OkAsync(debugger, 13, 2, new JdwpWriter().Id(array, 8).Int(0).Int(1).ToArray()));
            Assert.Equal((byte)'L', region.ReadByte());
            Assert.Equal(1, region.ReadInt32());
            Assert.Equal((byte)'s', region.ReadByte());
            var element = region.ReadId(8);
            Assert.Equal("alice", RawDebugger.ParseString(await OkAsync(debugger, 10, 1, new JdwpWriter().Id(element, 8).ToArray())));

            // A field ID the gateway never handed out: the value cannot be typed, so the command is refused, not the connection.
            var unknown = await debugger.CommandAsync(9, 3, new JdwpWriter().Id(array, 8).Int(1).Id(0x7fff_0001UL, 8).Int(4).ToArray(), Wait);
            Assert.Equal((short)ErrorCode.InvalidFieldId, unknown.ErrorCode);
            Assert.Equal(0, (await debugger.VersionAsync(Wait)).Error);
        }

        AssertNothingUnhandled();
    }

    private static async Task<byte[]> OkAsync(RawDebugger debugger, byte set, byte command, byte[] body)
    {
        var reply = await debugger.CommandAsync(set, command, body, Wait);
        Assert.True(reply.ErrorCode == 0, $"{set}/{command} answered error {reply.ErrorCode}");
        return reply.Body;
    }
}
