using System.CommandLine;
using System.Globalization;
using System.Text;
using JdwpGateway.Protocol.Capture;
using JdwpGateway.Protocol.Decoding;

namespace JdwpGateway.Cli;

/// <summary>What <c>jdwp-gateway decode</c> found in a capture.</summary>
public sealed record DecodeResult
{
    /// <summary>0: all well; 1: <c>--verify</c> found bytes that differ; 2: malformed or unreadable input.</summary>
    public required int ExitCode { get; init; }

    /// <summary>Packets decoded (commands, replies and events).</summary>
    public int Packets { get; init; }

    /// <summary>Commands sent to a VM.</summary>
    public int Commands { get; init; }

    /// <summary>Replies.</summary>
    public int Replies { get; init; }

    /// <summary>Commands sent by a VM (Event.Composite).</summary>
    public int Events { get; init; }

    /// <summary>Commands without a layout (vendor or unknown), printed raw.</summary>
    public int UnknownCommands { get; init; }

    /// <summary>Replies whose command was not in the capture, printed raw.</summary>
    public int UnpairedReplies { get; init; }

    /// <summary>Packets that hold untagged values of unknown type, kept partly as an untyped run.</summary>
    public int PartlyUntyped { get; init; }

    /// <summary>Packets whose re-encoding differs from the captured bytes (with <c>--verify</c>).</summary>
    public int MismatchedPackets { get; init; }

    /// <summary>Bytes that differ, over all mismatched packets (a length difference counts the missing bytes).</summary>
    public long MismatchedBytes { get; init; }

    /// <summary>Malformed input found (framing or body errors, damaged capture records).</summary>
    public int Malformed { get; init; }

    /// <summary>Non-fatal issues (a torn last record, a stream that ends mid-packet).</summary>
    public int Warnings { get; init; }

    /// <summary>Commands and events by name, e.g. <c>VirtualMachine.IDSizes</c> → 2.</summary>
    public IReadOnlyDictionary<string, int> CommandsByName { get; init; } = new Dictionary<string, int>();

    /// <summary>The connections that carried packets.</summary>
    public IReadOnlySet<string> Connections { get; init; } = new HashSet<string>();
}

/// <summary>
/// <c>jdwp-gateway decode FILE [--verify]</c>: prints every packet of a capture (the gateway's own format, pcap or
/// pcapng) fully decoded, replies matched with their commands; <c>--verify</c> re-encodes each decoded packet and
/// reports every byte that differs from the capture.
/// </summary>
public static class DecodeCommand
{
    /// <summary>Differing bytes listed per packet; the rest are counted.</summary>
    public const int MaxListedDifferences = 64;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Builds the command.</summary>
    public static Command Build()
    {
        var file = new Argument<FileInfo>("file") { Description = "A capture: recorded by 'serve --record', or pcap/pcapng from tcpdump, tshark or Wireshark" };
        var verify = new Option<bool>("--verify") { Description = "Re-encode every decoded packet and report each byte that differs (exit code 1 if any)" };
        var decode = new Command("decode", "Print every JDWP packet of a capture, fully decoded") { file, verify };
        decode.SetAction(result => Run(result.GetValue(file)!.FullName, result.GetValue(verify), Console.Out, Console.Error).ExitCode);
        return decode;
    }

    /// <summary>Decodes <paramref name="path"/>, printing packets to <paramref name="output"/> and problems to <paramref name="errors"/> too.</summary>
    public static DecodeResult Run(string path, bool verify, TextWriter output, TextWriter errors)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(errors);
        CaptureContents capture;
        try
        {
            capture = CaptureFile.Read(path);
        }
        catch (Exception ex) when (ex is CaptureFormatException or IOException or UnauthorizedAccessException)
        {
            errors.WriteLine($"jdwp-gateway decode: {path}: {ex.Message}");
            return new DecodeResult { ExitCode = 2, Malformed = 1 };
        }

        return Decode(capture, path, verify, output, errors);
    }

    /// <summary>Decodes records already read (same output as <see cref="Run"/>).</summary>
    /// <param name="capture">The records and the reader's issues.</param>
    /// <param name="source">The file's name, for messages.</param>
    /// <param name="verify">Re-encode each packet and compare.</param>
    /// <param name="output">Where packets go.</param>
    /// <param name="errors">Where problems go (they are also shown in place in <paramref name="output"/>).</param>
    /// <param name="encoder">The encoder <paramref name="verify"/> uses; <see cref="PacketEncoder.Encode"/> unless a test replaces it.</param>
    public static DecodeResult Decode(CaptureContents capture, string source, bool verify, TextWriter output, TextWriter errors, Func<DecodedPacket, byte[]>? encoder = null)
    {
        encoder ??= PacketEncoder.Encode;
        ArgumentNullException.ThrowIfNull(capture);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(errors);
        var tally = new Tally();
        output.WriteLine($"capture {source}: {capture.Format}, {capture.Records.Count.ToString(Inv)} records" + Span(capture.Records));
        foreach (var issue in capture.Issues)
        {
            Report(output, errors, $"{source}: at file offset {issue.Offset.ToString(Inv)}: {issue.Message}", issue.IsError, tally);
        }

        var text = new StringBuilder();
        foreach (var item in CaptureDecoder.DecodeAll(capture.Records))
        {
            var prefix = $"{Time(item.TimestampMicros)} {item.Connection} {item.Direction}";
            switch (item.Kind)
            {
                case CaptureItemKind.Handshake:
                    output.WriteLine($"{prefix} handshake");
                    break;
                case CaptureItemKind.Problem:
                    Report(output, errors, item.Problem!, item.IsError, tally);
                    break;
                default:
                    {
                        var packet = item.Packet!;
                        text.Clear();
                        PacketPrinter.Print(packet, text);
                        output.Write(prefix);
                        output.Write(' ');
                        output.Write(text.ToString());
                        tally.Count(item, packet);
                        if (verify)
                        {
                            Verify(item, packet, encoder, output, errors, tally);
                        }

                        break;
                    }
            }
        }

        var result = tally.Result(verify);
        output.WriteLine(Summary(result, verify));
        return result;
    }

    private static void Verify(CaptureItem item, DecodedPacket packet, Func<DecodedPacket, byte[]> encoder, TextWriter output, TextWriter errors, Tally tally)
    {
        var where = $"{item.Connection} {item.Direction} packet #{packet.Id.ToString(Inv)} ({packet.Name})";
        byte[] encoded;
        try
        {
            encoded = encoder(packet);
        }
        catch (ArgumentException ex)
        {
            tally.MismatchedPackets++;
            tally.MismatchedBytes += item.Wire.Length;
            Report(output, errors, $"verify: {where}: cannot re-encode: {ex.Message}", false, tally, countWarning: false);
            return;
        }

        var expected = item.Wire.Span;
        var common = Math.Min(expected.Length, encoded.Length);
        var differing = new List<int>();
        for (var i = 0; i < common; i++)
        {
            if (expected[i] != encoded[i])
            {
                differing.Add(i);
            }
        }

        var lengthDifference = Math.Abs(expected.Length - encoded.Length);
        if (differing.Count == 0 && lengthDifference == 0)
        {
            return;
        }

        tally.MismatchedPackets++;
        tally.MismatchedBytes += differing.Count + lengthDifference;
        var lines = new StringBuilder();
        lines.Append(Inv, $"verify: {where}: {differing.Count + lengthDifference} bytes differ (captured {expected.Length} bytes, re-encoded {encoded.Length})");
        foreach (var offset in differing.Take(MaxListedDifferences))
        {
            lines.Append(Inv, $"\n  {where} offset {offset}: expected 0x{expected[offset]:x2}, actual 0x{encoded[offset]:x2}");
        }

        if (differing.Count > MaxListedDifferences)
        {
            lines.Append(Inv, $"\n  ... and {differing.Count - MaxListedDifferences} more differing bytes");
        }

        if (lengthDifference > 0)
        {
            lines.Append(Inv, $"\n  {where} offset {common}: {(expected.Length > encoded.Length ? "captured bytes continue, re-encoding ends" : "re-encoding continues, captured bytes end")}");
        }

        output.WriteLine(lines.ToString());
        errors.WriteLine(lines.ToString());
    }

    private static void Report(TextWriter output, TextWriter errors, string message, bool isError, Tally tally, bool countWarning = true)
    {
        var line = (isError ? "error: " : "warning: ") + message;
        output.WriteLine(line);
        errors.WriteLine(line);
        if (isError)
        {
            tally.Malformed++;
        }
        else if (countWarning)
        {
            tally.Warnings++;
        }
    }

    private static string Summary(DecodeResult result, bool verify)
    {
        var commands = string.Join(", ", result.CommandsByName
            .OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => $"{p.Key} {p.Value.ToString(Inv)}"));
        return string.Create(Inv, $"summary: {result.Packets} packets ({result.Commands} commands, {result.Replies} replies, {result.Events} events) on {result.Connections.Count} connections; ") +
            string.Create(Inv, $"unknown {result.UnknownCommands}, unpaired {result.UnpairedReplies}, partly untyped {result.PartlyUntyped}, ") +
            (verify ? string.Create(Inv, $"mismatches {result.MismatchedPackets} ({result.MismatchedBytes} bytes), ") : "mismatches not checked, ") +
            string.Create(Inv, $"malformed {result.Malformed}, warnings {result.Warnings}; commands: ") +
            (commands.Length == 0 ? "none" : commands);
    }

    private static string Span(IReadOnlyList<CaptureRecord> records) => records.Count == 0
        ? string.Empty
        : $", {records[0].Timestamp.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", Inv)}Z to {records[^1].Timestamp.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", Inv)}Z";

    private static string Time(long micros) =>
        DateTimeOffset.UnixEpoch.AddTicks(micros * 10).UtcDateTime.ToString("HH:mm:ss.ffffff", Inv);

    private sealed class Tally
    {
        private readonly Dictionary<string, int> _byName = new(StringComparer.Ordinal);
        private readonly HashSet<string> _connections = new(StringComparer.Ordinal);
        private int _packets;
        private int _commands;
        private int _replies;
        private int _events;
        private int _unknown;
        private int _unpaired;
        private int _untyped;

        public int MismatchedPackets { get; set; }

        public long MismatchedBytes { get; set; }

        public int Malformed { get; set; }

        public int Warnings { get; set; }

        public void Count(CaptureItem item, DecodedPacket packet)
        {
            _packets++;
            _connections.Add(item.Connection);
            if (packet.Status == BodyStatus.PartlyUntyped)
            {
                _untyped++;
            }

            if (packet.IsReply)
            {
                _replies++;
                _unpaired += packet.Status == BodyStatus.Unpaired ? 1 : 0;
                return;
            }

            if (item.Direction == CaptureDirection.FromVm)
            {
                _events++;
            }
            else
            {
                _commands++;
            }

            if (packet.Status == BodyStatus.UnknownCommand)
            {
                _unknown++;
            }

            _byName[packet.Name] = _byName.GetValueOrDefault(packet.Name) + 1;
        }

        public DecodeResult Result(bool verify) => new()
        {
            ExitCode = Malformed > 0 ? 2 : verify && MismatchedPackets > 0 ? 1 : 0,
            Packets = _packets,
            Commands = _commands,
            Replies = _replies,
            Events = _events,
            UnknownCommands = _unknown,
            UnpairedReplies = _unpaired,
            PartlyUntyped = _untyped,
            MismatchedPackets = MismatchedPackets,
            MismatchedBytes = MismatchedBytes,
            Malformed = Malformed,
            Warnings = Warnings,
            CommandsByName = new Dictionary<string, int>(_byName, StringComparer.Ordinal),
            Connections = new HashSet<string>(_connections, StringComparer.Ordinal),
        };
    }
}
