using JdwpGateway.Cli;
using JdwpGateway.Protocol.Capture;
using JdwpGateway.Protocol.Decoding;
using Xunit;

namespace JdwpGateway.Protocol.Tests.Decoding;

/// <summary><c>jdwp-gateway decode</c> on captures made for the purpose: pairing, ID sizes, errors, verification.</summary>
public sealed class DecodeCommandTests
{
    private const string Debugger = "debugger#1";

    [Fact]
    public void Replies_are_decoded_with_their_commands_and_the_id_sizes_the_connection_announced()
    {
        var capture = Capture(
            Cmd(1, 1, 7, []),
            Rep(1, new Bytes().I32(4).I32(4).I32(4).I32(4).I32(4).ToArray()),
            Cmd(2, 1, 4, []),
            Rep(2, new Bytes().I32(2).Id(0xAB, 4).Id(0xCD, 4).ToArray()),
            Evt(0x40, new Bytes().U8(0).I32(1).U8(6).I32(3).Id(0xAB, 4).ToArray()));
        var output = new StringWriter();

        var result = DecodeCommand.Decode(capture, "test", verify: true, output, new StringWriter());

        Assert.Equal(0, result.ExitCode);
        Assert.Equal((5, 2, 2, 1, 0), (result.Packets, result.Commands, result.Replies, result.Events, result.MismatchedPackets));
        var text = output.ToString();
        Assert.Contains("FromVm #2 ← reply error=0 (VirtualMachine.AllThreads)\n  threads: [2]\n    [0] thread: Thread 0xab\n    [1] thread: Thread 0xcd\n", text, StringComparison.Ordinal);
        Assert.Contains("FromVm #64 → Event.Composite\n", text, StringComparison.Ordinal);
        Assert.Contains(" debugger#1 ToVm handshake\n", text, StringComparison.Ordinal);
        Assert.EndsWith("; commands: Event.Composite 1, VirtualMachine.AllThreads 1, VirtualMachine.IDSizes 1\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_commands_are_printed_raw_and_counted_and_still_verify()
    {
        var capture = Capture(Cmd(1, 0xC7, 1, [1, 2]), Rep(1, [3]));
        var output = new StringWriter();

        var result = DecodeCommand.Decode(capture, "test", verify: true, output, new StringWriter());

        Assert.Equal((0, 1, 0), (result.ExitCode, result.UnknownCommands, result.MismatchedPackets));
        Assert.Contains("#1 → 199/1 (unknown command)\n  raw: 2 bytes\n    0000: 01 02\n", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("#1 ← reply error=0 (199/1, unknown command)\n  raw: 1 bytes\n", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_reports_each_differing_byte_with_packet_offset_expected_and_actual()
    {
        var capture = Capture(Cmd(7, 11, 1, new Bytes().Id(0x99).ToArray()), Rep(7, new Bytes().Str("t").ToArray()));
        var output = new StringWriter();
        var errors = new StringWriter();

        // An encoder with a bug: it gets byte 12 of every packet wrong.
        var result = DecodeCommand.Decode(capture, "test", verify: true, output, errors, p =>
        {
            var bytes = PacketEncoder.Encode(p);
            bytes[12] ^= 0xFF;
            return bytes;
        });

        Assert.Equal((1, 2, 2L), (result.ExitCode, result.MismatchedPackets, result.MismatchedBytes));
        Assert.Contains("debugger#1 ToVm packet #7 (ThreadReference.Name) offset 12: expected 0x00, actual 0xff", errors.ToString(), StringComparison.Ordinal);
        Assert.Contains("debugger#1 FromVm packet #7 (ThreadReference.Name) offset 12: expected 0x00, actual 0xff", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("mismatches 2 (2 bytes)", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_body_that_does_not_fit_its_layout_names_connection_packet_command_and_offset_and_exits_2()
    {
        // EventRequest.Set with modifier kind 99, which does not exist, at body offset 6 (packet offset 17).
        var capture = Capture(Cmd(5, 15, 1, new Bytes().U8(2).U8(2).I32(1).U8(99).ToArray()), Cmd(6, 1, 1, []));
        var errors = new StringWriter();

        var result = DecodeCommand.Decode(capture, "test", verify: true, new StringWriter(), errors);

        Assert.Equal((2, 1), (result.ExitCode, result.Malformed));
        Assert.Contains("error: Malformed JDWP input on debugger#1 ToVm, packet id 5 (EventRequest.Set), at byte offset 17: unknown modKind 99", errors.ToString(), StringComparison.Ordinal);

        // The stream goes on: the next packet was framed and decoded.
        Assert.Equal(1, result.Commands);
    }

    [Fact]
    public void A_stream_that_breaks_framing_is_reported_once_and_decoding_goes_on_elsewhere()
    {
        var records = new List<CaptureRecord>
        {
            new(1, CaptureDirection.ToVm, Debugger, "JDWP-Handshake"u8.ToArray()),
            new(2, CaptureDirection.FromVm, Debugger, "JDWP-Handshake"u8.ToArray()),
            new(3, CaptureDirection.ToVm, Debugger, new Bytes().I32(4).I32(9).U8(0).U8(1).U8(1).ToArray()),
            new(4, CaptureDirection.ToVm, Debugger, Bytes.Command(10, 1, 1, [])),
            new(5, CaptureDirection.ToVm, "node-a@session#1", "JDWP-Hand"u8.ToArray()),
            new(6, CaptureDirection.ToVm, "node-b@session#1", "JDWX"u8.ToArray()),
        };
        var errors = new StringWriter();

        var result = DecodeCommand.Decode(new CaptureContents("test", records, []), "test", verify: false, new StringWriter(), errors);

        Assert.Equal((2, 2, 1), (result.ExitCode, result.Malformed, result.Warnings));
        var text = errors.ToString();
        Assert.Contains("error: Malformed JDWP input on debugger#1 ToVm, packet id 9, at byte offset 14: packet length 4 is smaller than the 11-byte header", text, StringComparison.Ordinal);
        Assert.Contains("error: Malformed JDWP input on node-b@session#1 ToVm, at byte offset 3: expected the 'JDWP-Handshake' preface", text, StringComparison.Ordinal);
        Assert.Contains("warning: node-a@session#1 ToVm: the capture ends inside the handshake: 9 bytes from stream offset 0 are incomplete", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Files_that_cannot_be_read_exit_2_with_a_message_and_a_torn_tail_is_only_a_warning()
    {
        var errors = new StringWriter();
        Assert.Equal(2, DecodeCommand.Run("/nonexistent/capture.jdwpcap", verify: true, new StringWriter(), errors).ExitCode);
        Assert.Contains("jdwp-gateway decode: /nonexistent/capture.jdwpcap:", errors.ToString(), StringComparison.Ordinal);

        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "not a capture at all");
            errors = new StringWriter();
            Assert.Equal(2, DecodeCommand.Run(path, verify: false, new StringWriter(), errors).ExitCode);
            Assert.Contains("not a capture file", errors.ToString(), StringComparison.Ordinal);

            var bytes = Tests.Capture.CaptureFormatTests.Write(Capture(Cmd(1, 1, 1, []), Rep(1, new Bytes().Str("d").I32(1).I32(2).Str("v").Str("n").ToArray())).Records);
            File.WriteAllBytes(path, bytes[..^2]);
            errors = new StringWriter();
            var torn = DecodeCommand.Run(path, verify: true, new StringWriter(), errors);
            Assert.Equal((0, 1, 1), (torn.ExitCode, torn.Warnings, torn.Packets));
            Assert.Contains("torn last record", errors.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static CaptureRecord Cmd(int id, byte set, byte command, byte[] body) => new(0, CaptureDirection.ToVm, Debugger, Bytes.Command(id, set, command, body));

    private static CaptureRecord Rep(int id, byte[] body) => new(0, CaptureDirection.FromVm, Debugger, Bytes.Reply(id, 0, body));

    private static CaptureRecord Evt(int id, byte[] body) => new(0, CaptureDirection.FromVm, Debugger, Bytes.Command(id, 64, 100, body));

    private static CaptureContents Capture(params CaptureRecord[] packets)
    {
        List<CaptureRecord> records =
        [
            new(1, CaptureDirection.ToVm, Debugger, "JDWP-Handshake"u8.ToArray()),
            new(2, CaptureDirection.FromVm, Debugger, "JDWP-Handshake"u8.ToArray()),
            .. packets.Select((p, i) => p with { TimestampMicros = 3 + i }),
        ];
        return new CaptureContents("test", records, []);
    }
}
