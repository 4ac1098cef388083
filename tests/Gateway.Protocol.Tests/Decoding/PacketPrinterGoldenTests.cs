using JdwpGateway.Demo;
using JdwpGateway.Protocol.Decoding;
using JdwpGateway.Protocol.Spec;
using Xunit;

namespace JdwpGateway.Protocol.Tests.Decoding;

/// <summary>
/// The printer's text for hand-built packets, compared exactly with golden files under
/// tests/Gateway.Protocol.Tests/Golden/Printer/. Set UPDATE_GOLDEN=1 to rewrite the files instead (then review the diff).
/// </summary>
public sealed class PacketPrinterGoldenTests
{
    private static readonly IdSizes Sizes = IdSizes.Eight;

    public static TheoryData<string> Cases() => [.. Packets.Keys];

    private static readonly Dictionary<string, Func<DecodedPacket>> Packets = new()
    {
        ["version-reply"] = () => Reply(1, 1, 1, new Bytes()
            .Str("Java Debug Wire Protocol (Reference Implementation) version 17.0\nJVM Debug Interface version 17.0")
            .I32(17).I32(0).Str("17.0.21.1").Str("OpenJDK 64-Bit Server VM")),
        ["frames-reply"] = () => Reply(9, 11, 6, new Bytes().I32(2)
            .Id(0x1).Loc(1, 0x7f10, 0x7f2a_0000_1000, 12)
            .Id(0x2).Loc(1, 0x7f11, 0x7f2a_0000_2000, 40)),
        ["event-set-breakpoint"] = () => Command(21, 15, 1, new Bytes().U8(2).U8(2).I32(3)
            .U8(7).Loc(1, 0x7f10, 0x7f2a_0000_1000, 0)
            .U8(5).Str("fabric.demo.*")
            .U8(1).I32(5)),
        ["event-composite"] = () => Command(0x40000001, 64, 100, new Bytes().U8(2).I32(3)
            .U8(2).I32(17).Id(0x33).Loc(1, 0x7f10, 0x7f2a_0000_1000, 0)
            .U8(8).I32(4).Id(0x33).U8(1).Id(0x7f99).Str("Lfabric/demo/Order;").I32(7)
            .U8(4).I32(9).Id(0x34).Loc(1, 0x7f10, 0x10, 5).Tag('L').Id(0x501).Loc(0, 0, 0, 0)),
        ["stackframe-values-reply"] = () => Reply(30, 16, 1, new Bytes().I32(13)
            .Tag('Z').U8(1).Tag('Z').U8(2).Tag('B').U8(0xFE).Tag('C').I16(0x41).Tag('C').I16(0x0A)
            .Tag('S').I16(-2).Tag('I').I32(-42).Tag('J').I64(1L << 40).Tag('F').I32(BitConverter.SingleToInt32Bits(1.5f))
            .Tag('D').I64(BitConverter.DoubleToInt64Bits(-0.25)).Tag('V').Tag('s').Id(0x600).Tag('L').Id(0)),
        ["array-regions"] = () => Reply(31, 13, 2, new Bytes().Tag('I').I32(10)
            .I32(1).I32(2).I32(3).I32(4).I32(5).I32(6).I32(7).I32(8).I32(9).I32(-10)),
        ["object-region"] = () => Reply(32, 13, 2, new Bytes().Tag('L').I32(2).Tag('s').Id(0x700).Tag('[').Id(0)),
        ["strings-escaped"] = () => Reply(40, 10, 1, new Bytes()
            .I32(20).Raw("a\"b\\c\t"u8.ToArray()).Raw(0xC0, 0x80).Raw(0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80).Raw(0xFF).Raw("é"u8.ToArray()).Raw(0x01, 0xE2, 0x82)),
        ["constant-pool-bytes"] = () => Reply(41, 2, 18, new Bytes().I32(3).I32(100)
            .Raw([.. Enumerable.Range(0, 20).SelectMany(i => new byte[] { 0, 0, 0, 1, (byte)i })])),
        ["setvalues-untyped"] = () => new PacketDecoder().DecodeCommand(
            JdwpPacket.NewCommand(50, 9, 3, new Bytes().Id(0x51).I32(1).Id(0x7).I32(42).ToArray()), Sizes),
        ["error-reply"] = () => Reply(60, 11, 6, [], errorCode: 13),
        ["vendor-command"] = () => new PacketDecoder().DecodeCommand(JdwpPacket.NewCommand(61, 0xC7, 1, [0x48, 0x45, 0x4C, 0x4F, 0, 0, 0, 1]), Sizes),
        ["unpaired-reply"] = () => PacketDecoder.DecodeUnpairedReply(JdwpPacket.NewReply(62, 0, [1, 2, 3]), Sizes),
        ["threads-four-byte-ids"] = () => new PacketDecoder().DecodeReply(
            JdwpPacket.NewReply(70, 0, new Bytes().I32(2).Id(0x10, 4).Id(0xFFFF_FFFF, 4).ToArray()), 1, 4, new IdSizes(4, 4, 4, 4, 4)),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Printed_packet_matches_its_golden_file(string name)
    {
        var packet = Packets[name]();
        var text = PacketPrinter.Print(packet);
        var path = Path.Combine(DemoAppBuilder.FindRepoRoot(), "tests", "Gateway.Protocol.Tests", "Golden", "Printer", name + ".txt");
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
            return;
        }

        Assert.True(File.Exists(path), $"golden file {path} is missing: run the tests with UPDATE_GOLDEN=1 and review it");
        Assert.Equal(File.ReadAllText(path).ReplaceLineEndings("\n"), text);

        // What is printed was decoded from bytes that re-encode exactly.
        Assert.NotEmpty(PacketEncoder.Encode(packet));
    }

    [Fact]
    public void Every_golden_file_has_a_case()
    {
        var directory = Path.Combine(DemoAppBuilder.FindRepoRoot(), "tests", "Gateway.Protocol.Tests", "Golden", "Printer");
        var files = Directory.GetFiles(directory, "*.txt").Select(f => Path.GetFileNameWithoutExtension(f)!).Order().ToList();
        Assert.Equal(Packets.Keys.Order().ToList(), files);
    }

    private static DecodedPacket Command(int id, byte set, byte command, Bytes body) =>
        new PacketDecoder().DecodeCommand(JdwpPacket.NewCommand(id, set, command, body.ToArray()), Sizes);

    private static DecodedPacket Reply(int id, byte set, byte command, Bytes body) => Reply(id, set, command, body.ToArray());

    private static DecodedPacket Reply(int id, byte set, byte command, byte[] body, short errorCode = 0) =>
        new PacketDecoder().DecodeReply(JdwpPacket.NewReply(id, errorCode, body), set, command, Sizes);
}
