using System.Net;
using JdwpGateway.Cli;
using JdwpGateway.Demo;
using JdwpGateway.Protocol.Capture;
using JdwpGateway.Protocol.Decoding;
using Xunit;

namespace JdwpGateway.Protocol.Tests.Capture;

/// <summary>
/// pcap and pcapng: real captures recorded with tshark while jdb drove a JVM (Capture/Fixtures, made by
/// record-pcaps.sh), and captures written by <see cref="PcapBuilder"/> from the streams of a real one, with every
/// supported link type and the TCP disorder real captures show.
/// </summary>
public sealed class PcapReaderTests
{
    private static readonly IPEndPoint Debugger = new(IPAddress.Loopback, 51234);
    private static readonly IPEndPoint Vm = new(IPAddress.Loopback, 5005);
    private static readonly IPEndPoint Debugger6 = new(IPAddress.IPv6Loopback, 51234);
    private static readonly IPEndPoint Vm6 = new(IPAddress.IPv6Loopback, 5005);

    public static TheoryData<string> Fixtures() => ["jdb-lo.pcapng", "jdb-any.pcap", "jdb-ipv6.pcapng"];

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Real_tshark_captures_of_jdb_decode_fully_and_verify_byte_exactly(string fixture)
    {
        var path = FixturePath(fixture);
        var output = new StringWriter();
        var errors = new StringWriter();

        var result = DecodeCommand.Run(path, verify: true, output, errors);

        Assert.True(result.ExitCode == 0, errors.ToString());
        Assert.Equal(string.Empty, errors.ToString());
        Assert.Equal((0, 0, 0, 0, 0), (result.UnknownCommands, result.UnpairedReplies, result.MismatchedPackets, result.Malformed, result.Warnings));
        Assert.InRange(result.Packets, 200, 400);
        Assert.Equal(result.Commands, result.Replies);
        Assert.True(result.Events >= 1, "the breakpoint event is in the capture");
        var connection = Assert.Single(result.Connections);
        Assert.StartsWith(fixture.Contains("ipv6", StringComparison.Ordinal) ? "[::1]:" : "127.0.0.1:", connection, StringComparison.Ordinal);
        foreach (var command in new[] { "VirtualMachine.IDSizes", "EventRequest.Set", "ThreadReference.Frames", "StackFrame.GetValues", "Event.Composite", "VirtualMachine.Dispose" })
        {
            Assert.True(result.CommandsByName.ContainsKey(command), $"{command} missing from {fixture}");
        }

        // The side that sent the handshake first is the debugger: its first packet is a command, IDSizes.
        Assert.Matches(@"\n\S+ \S+ ToVm #1 → VirtualMachine\.IDSizes\n", output.ToString());
    }

    [Theory]
    [InlineData(LinkType.Ethernet, false, false, false, "pcap")]
    [InlineData(LinkType.Ethernet, true, true, true, "pcapng")]
    [InlineData(LinkType.LinuxSll, false, true, false, "pcap")]
    [InlineData(LinkType.LinuxSll2, true, false, true, "pcapng")]
    [InlineData(LinkType.Raw, false, false, true, "pcap")]
    [InlineData(LinkType.Raw, true, true, false, "pcapng")]
    [InlineData(LinkType.Null, false, false, false, "pcapng")]
    [InlineData(LinkType.Null, true, false, true, "pcap")]
    [InlineData(LinkType.Loop, true, true, false, "pcap")]
    public void Every_link_type_over_ipv4_and_ipv6_yields_the_original_streams(LinkType link, bool ipv6, bool bigEndian, bool nanoseconds, string format)
    {
        var (toVm, fromVm) = RealStreams();
        var pcap = new PcapBuilder(link, bigEndian, nanoseconds, ipv6HopByHop: ipv6);
        var micros = 1_700_000_000_000_000L;
        Script(ipv6 ? Debugger6 : Debugger, ipv6 ? Vm6 : Vm, toVm, fromVm, 100, 200, segment: 700).WriteTo(pcap, ref micros);
        var file = format == "pcap" ? pcap.ToPcap() : pcap.ToPcapNg();

        var contents = CaptureFile.Read(file);

        Assert.Equal(format, contents.Format);
        Assert.Empty(contents.Issues);
        AssertStreams(contents, ipv6 ? "[::1]:51234->[::1]:5005" : "127.0.0.1:51234->127.0.0.1:5005", toVm, fromVm);

        // SYN, SYN-ACK and ACK come 137 µs apart; the first data frame is the fourth, in µs or ns resolution alike.
        Assert.Equal(1_700_000_000_000_548L, contents.Records[0].TimestampMicros);
        Assert.All(contents.Records, r => Assert.InRange(r.TimestampMicros, 1_700_000_000_000_000L, micros));
    }

    [Theory]
    [InlineData(false, true, false, 0xFFFF_FF00u)]
    [InlineData(true, false, false, 0x7FFF_FFF0u)]
    [InlineData(false, false, true, 0xFFFF_FFFEu)]
    [InlineData(true, true, true, 12345u)]
    public void Reordered_duplicated_and_overlapping_segments_reassemble_in_sequence_order_across_the_wrap(bool reorder, bool duplicate, bool overlap, uint isn)
    {
        var (toVm, fromVm) = RealStreams();
        var pcap = new PcapBuilder(LinkType.Ethernet);
        var micros = 0L;
        new TcpScript(Debugger, Vm, isn, isn ^ 0x8000_0000) { SegmentSize = 300, Reorder = reorder, Duplicate = duplicate, OverlappingRetransmits = overlap }
            .Send(true, toVm[..14]).Send(false, fromVm[..14]).Send(true, toVm[14..]).Send(false, fromVm[14..])
            .WriteTo(pcap, ref micros);

        var contents = PcapReader.Read(pcap.ToPcap());

        Assert.Empty(contents.Issues);
        AssertStreams(contents, "127.0.0.1:51234->127.0.0.1:5005", toVm, fromVm);
        var items = CaptureDecoder.DecodeAll(contents.Records).ToList();
        Assert.DoesNotContain(items, i => i.Kind == CaptureItemKind.Problem);
        Assert.Equal(251, items.Count(i => i.Kind == CaptureItemKind.Packet));
    }

    [Fact]
    public void A_missing_segment_truncates_its_stream_with_a_warning()
    {
        var (toVm, fromVm) = RealStreams();
        var pcap = new PcapBuilder(LinkType.Ethernet);
        var micros = 0L;
        Script(Debugger, Vm, toVm, fromVm, 1, 2, segment: 500, drop: 10).WriteTo(pcap, ref micros);

        var contents = PcapReader.Read(pcap.ToPcapNg());

        var issue = Assert.Single(contents.Issues);
        Assert.False(issue.IsError);
        Assert.Contains("bytes missing at stream offset", issue.Message, StringComparison.Ordinal);
        var streams = Streams(contents);
        Assert.True(streams.Values.Sum(s => s.Length) < toVm.Length + fromVm.Length);
    }

    [Fact]
    public void A_connection_captured_after_it_opened_is_skipped_with_a_warning_and_other_tcp_traffic_is_ignored()
    {
        var (toVm, fromVm) = RealStreams();
        var pcap = new PcapBuilder(LinkType.Ethernet);
        var micros = 0L;
        Script(Debugger, Vm, toVm, fromVm, 1, 2, segment: 500, midStream: true).WriteTo(pcap, ref micros);
        new TcpScript(new IPEndPoint(IPAddress.Loopback, 40000), new IPEndPoint(IPAddress.Loopback, 80), 5, 6)
            .Send(true, "GET / HTTP/1.1\r\n\r\n"u8.ToArray()).Send(false, "HTTP/1.1 200 OK\r\n\r\n"u8.ToArray()).WriteTo(pcap, ref micros);

        var contents = PcapReader.Read(pcap.ToPcap());

        Assert.Empty(contents.Records);
        var issue = Assert.Single(contents.Issues);
        Assert.False(issue.IsError);
        Assert.Contains("starts after the connection opened", issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reused_ports_make_a_second_connection()
    {
        var (toVm, fromVm) = RealStreams();
        var pcap = new PcapBuilder(LinkType.LinuxSll);
        var micros = 0L;
        Script(Debugger, Vm, toVm, fromVm, 1000, 2000, segment: 1400).WriteTo(pcap, ref micros);
        Script(Debugger, Vm, toVm, fromVm, 9000, 7000, segment: 1400).WriteTo(pcap, ref micros);

        var contents = PcapReader.Read(pcap.ToPcap());

        Assert.Empty(contents.Issues);
        Assert.Equal(["127.0.0.1:51234->127.0.0.1:5005", "127.0.0.1:51234->127.0.0.1:5005#2"], contents.Records.Select(r => r.Connection).Distinct().Order());
        Assert.All(Streams(contents), s => Assert.Equal(s.Key.Direction == CaptureDirection.ToVm ? toVm : fromVm, s.Value));
    }

    [Fact]
    public void A_torn_last_frame_is_a_warning_and_an_unknown_link_type_an_error()
    {
        var (toVm, fromVm) = RealStreams();
        var pcap = new PcapBuilder(LinkType.Ethernet);
        var micros = 0L;
        Script(Debugger, Vm, toVm, fromVm, 1, 2, segment: 1400).WriteTo(pcap, ref micros);
        foreach (var file in new[] { pcap.ToPcap(), pcap.ToPcapNg() })
        {
            var torn = PcapReader.Read(file.AsMemory(0, file.Length - 3));
            Assert.Contains(torn.Issues, i => !i.IsError && i.Message.Contains("torn last", StringComparison.Ordinal));
            Assert.DoesNotContain(torn.Issues, i => i.IsError);
            Assert.NotEmpty(torn.Records);
        }

        var wifi = pcap.ToPcap();
        wifi[20] = 105; // IEEE 802.11
        var unsupported = PcapReader.Read(wifi);
        Assert.Empty(unsupported.Records);
        Assert.Contains("link type 105 is not supported", Assert.Single(unsupported.Issues).Message, StringComparison.Ordinal);
    }

    /// <summary>The two byte streams (debugger to VM, VM to debugger) of a real jdb session, from a tshark capture.</summary>
    internal static (byte[] ToVm, byte[] FromVm) RealStreams()
    {
        var streams = Streams(PcapReader.Read(FixturePath("jdb-lo.pcapng")));
        return (streams.Single(s => s.Key.Direction == CaptureDirection.ToVm).Value, streams.Single(s => s.Key.Direction == CaptureDirection.FromVm).Value);
    }

    internal static string FixturePath(string name) =>
        Path.Combine(DemoAppBuilder.FindRepoRoot(), "tests", "Gateway.Protocol.Tests", "Capture", "Fixtures", name);

    private static TcpScript Script(IPEndPoint client, IPEndPoint server, byte[] toVm, byte[] fromVm, uint clientIsn, uint serverIsn, int segment, int? drop = null, bool midStream = false) =>
        new TcpScript(client, server, clientIsn, serverIsn) { SegmentSize = segment, Drop = drop, StartMidStream = midStream }
            .Send(true, toVm[..14]).Send(false, fromVm[..14]).Send(true, toVm[14..]).Send(false, fromVm[14..]);

    private static Dictionary<(string Connection, CaptureDirection Direction), byte[]> Streams(CaptureContents contents) =>
        contents.Records.GroupBy(r => (r.Connection, r.Direction)).ToDictionary(g => g.Key, g => g.SelectMany(r => r.Data.ToArray()).ToArray());

    private static void AssertStreams(CaptureContents contents, string connection, byte[] toVm, byte[] fromVm)
    {
        var streams = Streams(contents);
        Assert.Equal(2, streams.Count);
        Assert.Equal(toVm, streams[(connection, CaptureDirection.ToVm)]);
        Assert.Equal(fromVm, streams[(connection, CaptureDirection.FromVm)]);
    }
}
