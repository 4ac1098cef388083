using System.Buffers;
using System.Buffers.Binary;
using JdwpGateway.Protocol;
using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Framing;
using JdwpGateway.Protocol.Spec;

namespace JdwpGateway.Fuzz;

/// <summary>
/// The fuzz target. Its input is one side of a JDWP connection as a debugger or a node sends it: the handshake, then
/// packets. Every packet cut from it is rewritten with <see cref="PacketRewriter"/> following its layout:
/// <list type="bullet">
/// <item>a command (flags 0) uses the <c>Out</c> layout of its set/command; unknown sets are passed through;</item>
/// <item>a reply (flags 0x80) has no command in its header, so the first 2 bytes of its body (big-endian) pick a
/// command from <see cref="Table"/> (modulo its size) and the rest of the body is walked with that command's
/// <c>Reply</c> layout, so that reply layouts are fuzzed too.</item>
/// </list>
/// <see cref="JdwpProtocolException"/> is the only exception malformed input may raise; anything else escapes and
/// SharpFuzz reports it to afl-fuzz as a crash. So does <see cref="FuzzOracleException"/>, thrown when an invariant
/// that holds for any input fails (identity rewrite not byte-identical, 8→4→8 not stable, ...).
/// </summary>
public static class FuzzTarget
{
    /// <summary>Largest packet accepted: small, so that hostile lengths are rejected quickly.</summary>
    public const int MaxPacketLength = 1024 * 1024;

    /// <summary>Connection name used in errors.</summary>
    public const string Connection = "fuzz";

    /// <summary>Every command of the spec in set/command order; replies choose their layout from it.</summary>
    public static readonly CommandSpec[] Table = [.. JdwpSpec.All.OrderBy(c => c.Set).ThenBy(c => c.Command)];

    /// <summary>Bytes of a reply body that select its layout; the layout applies to what follows them.</summary>
    public const int ReplySelectorLength = 2;

    /// <summary>Read sizes the stream is cut into, cycled, to exercise partial headers and multi-segment buffers.</summary>
    private static readonly int[] ReadSizes = [5, 1, 13, 64, 3, 4096, 11, 29];

    private static readonly IdSizes Four = new(4, 4, 4, 4, 4);

    /// <summary>Counts for the <c>run</c> mode: packets framed, bodies walked whole at 8 bytes, bodies rejected.</summary>
    public static (int Packets, int Walked, int Rejected) Counts;

    /// <summary>Entry point for SharpFuzz.</summary>
    public static void Run(Stream input)
    {
        using var memory = new MemoryStream();
        input.CopyTo(memory);
        Run(memory.ToArray());
    }

    /// <summary>Runs one input.</summary>
    public static void Run(byte[] data)
    {
        try
        {
            ReadStream(data);
        }
        catch (JdwpProtocolException e)
        {
            // Framing errors end the connection, as in the gateway. The offset is in the stream.
            Check(e.Offset >= 0 && e.Offset <= data.Length, $"framing error offset {e.Offset} outside the {data.Length}-byte stream");
        }
    }

    /// <summary>Which command's reply layout a reply body selects, and where the walked part starts.</summary>
    public static CommandSpec ReplyCommandOf(ReadOnlySpan<byte> body) => Table[ReplySelectorOf(body) % Table.Length];

    private static int ReplySelectorOf(ReadOnlySpan<byte> body) => body.Length switch
    {
        0 => 0,
        1 => body[0],
        _ => BinaryPrimitives.ReadUInt16BigEndian(body),
    };

    /// <summary>Feeds the stream to the framing code as successive reads, like a connection's pipe would.</summary>
    private static void ReadStream(byte[] data)
    {
        var stream = Segments.Of(data, ReadSizes);
        var handshakeDone = false;
        long consumed = 0;
        long received = 0;
        var read = 0;
        while (received < data.Length)
        {
            received = Math.Min(data.Length, received + ReadSizes[read++ % ReadSizes.Length]);
            var buffer = stream.Slice(consumed, received - consumed);
            if (!handshakeDone)
            {
                if (!JdwpHandshake.TryConsume(ref buffer, Connection))
                {
                    continue;
                }

                handshakeDone = true;
                consumed += JdwpHandshake.Length;
            }

            while (JdwpFrameReader.TryReadPacket(ref buffer, MaxPacketLength, Connection, consumed, out var packet))
            {
                Check(packet is not null, "TryReadPacket returned true without a packet");
                CheckFrame(packet!, data.AsSpan((int)consumed));
                consumed += packet!.Length;
                Check(buffer.Length == received - consumed, "the buffer was not advanced past exactly one packet");
                Exercise(packet);
            }
        }
    }

    /// <summary>The packet object writes back exactly the bytes it was read from.</summary>
    private static void CheckFrame(JdwpPacket packet, ReadOnlySpan<byte> original)
    {
        Check(packet.Length <= MaxPacketLength && packet.Length <= original.Length, $"packet of {packet.Length} bytes accepted");
        var frame = new byte[packet.Length];
        packet.CopyTo(frame);
        Check(frame.AsSpan().SequenceEqual(original[..packet.Length]), $"{packet} does not write back the bytes it was read from");
    }

    private static void Exercise(JdwpPacket packet)
    {
        Layout layout;
        ReadOnlySpan<byte> body = packet.Body;
        if (packet.IsReply)
        {
            layout = ReplyCommandOf(body).Reply;
            body = body[Math.Min(body.Length, ReplySelectorLength)..];
        }
        else
        {
            var spec = JdwpSpec.Find(packet.CommandSet, packet.Command);
            if (spec is null)
            {
                // Vendor or unknown command set: the gateway does not walk it.
                return;
            }

            layout = spec.Out;
        }

        RewriteAll(body.ToArray(), layout, packet.Id);
    }

    /// <summary>
    /// Rewrites one body three ways and checks what must hold whatever the input: an identity rewrite is byte-identical;
    /// 8→4 fails exactly when 8→8 does and its output re-reads at 4 and widens back stably; reading at the sizes drawn
    /// from the packet id and widening to 8 narrows back to the original bytes.
    /// </summary>
    private static void RewriteAll(byte[] body, Layout layout, int packetId)
    {
        var same = TryRewrite(body, layout, IdSizes.Eight, IdSizes.Eight, FuzzMapper.Identity);
        Counts.Packets++;
        if (same is null)
        {
            Counts.Rejected++;
        }
        else
        {
            Counts.Walked++;
        }

        Check(same is null || same.AsSpan().SequenceEqual(body), "the identity rewrite at 8 bytes changed the body");

        var four = TryRewrite(body, layout, IdSizes.Eight, Four, FuzzMapper.Narrowing);
        Check((same is null) == (four is null), $"8→8 {(same is null ? "failed" : "succeeded")} but 8→4 {(four is null ? "failed" : "succeeded")}");
        if (four is not null)
        {
            Check(four.Length <= body.Length && (body.Length - four.Length) % 4 == 0, $"8→4 turned {body.Length} bytes into {four.Length}");
            var again = MustRewrite(four, layout, Four, Four, FuzzMapper.Identity, "re-reading the 8→4 output at 4");
            Check(again.AsSpan().SequenceEqual(four), "the identity rewrite at 4 bytes changed the 8→4 output");
            var wide = MustRewrite(four, layout, Four, IdSizes.Eight, FuzzMapper.Identity, "widening the 8→4 output to 8");
            Check(wide.Length == body.Length, $"4→8 gave {wide.Length} bytes for an {body.Length}-byte original");
            var narrow = MustRewrite(wide, layout, IdSizes.Eight, Four, FuzzMapper.Narrowing, "narrowing the 4→8 output back");
            Check(narrow.AsSpan().SequenceEqual(four), "8→4→8→4 is not stable");
        }

        // Any width 1-8 per kind, drawn from the packet id's low nibbles.
        var sizes = SizesFrom(packetId);
        var widened = TryRewrite(body, layout, sizes, IdSizes.Eight, FuzzMapper.Identity);
        if (widened is not null)
        {
            var back = MustRewrite(widened, layout, IdSizes.Eight, sizes, FuzzMapper.Identity, $"narrowing back to {sizes}");
            Check(back.AsSpan().SequenceEqual(body), $"{sizes}→8→{sizes} changed the body");
        }
    }

    /// <summary>ID widths 1-8 from the 5 low nibbles of <paramref name="packetId"/> (nibble 7 is 8 bytes).</summary>
    public static IdSizes SizesFrom(int packetId)
    {
        int Nibble(int i) => 1 + ((packetId >> (4 * i)) & 7);
        return new IdSizes(Nibble(0), Nibble(1), Nibble(2), Nibble(3), Nibble(4));
    }

    private static byte[]? TryRewrite(byte[] body, Layout layout, IdSizes from, IdSizes to, IIdMapper mapper)
    {
        try
        {
            return PacketRewriter.Rewrite(body, layout, from, to, mapper);
        }
        catch (JdwpProtocolException e)
        {
            // Body errors are placed within the packet: header included, so the body starts at offset 11.
            var end = JdwpPacket.HeaderLength + body.Length;
            Check(e.Offset >= 0 && e.Offset <= end, $"body error offset {e.Offset} outside the packet ({end} bytes): {e.Problem}");
            return null;
        }
    }

    /// <summary>Rewrites bytes the rewriter itself produced: a protocol error here is a bug, not bad input.</summary>
    private static byte[] MustRewrite(byte[] body, Layout layout, IdSizes from, IdSizes to, IIdMapper mapper, string what)
    {
        try
        {
            return PacketRewriter.Rewrite(body, layout, from, to, mapper);
        }
        catch (JdwpProtocolException e)
        {
            throw new FuzzOracleException($"{what} failed on the rewriter's own output: {e.Message}", e);
        }
    }

    private static void Check(bool condition, string problem)
    {
        if (!condition)
        {
            throw new FuzzOracleException(problem);
        }
    }
}

/// <summary>An invariant of the codec failed: always a crash for afl-fuzz.</summary>
public sealed class FuzzOracleException : Exception
{
    /// <summary>Creates the exception.</summary>
    public FuzzOracleException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public FuzzOracleException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>Builds multi-segment sequences, as a pipe returns them after several reads.</summary>
internal static class Segments
{
    public static ReadOnlySequence<byte> Of(byte[] data, int[] sizes)
    {
        if (data.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        Segment? first = null;
        Segment? last = null;
        var offset = 0;
        var i = 0;
        while (offset < data.Length)
        {
            var size = Math.Min(sizes[i++ % sizes.Length], data.Length - offset);
            var segment = new Segment(data.AsMemory(offset, size), last is null ? 0 : last.RunningIndex + last.Memory.Length);
            if (last is null)
            {
                first = segment;
            }
            else
            {
                last.SetNext(segment);
            }

            last = segment;
            offset += size;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}
