namespace JdwpGateway.Protocol;

/// <summary>
/// One JDWP packet: an 11-byte header and a body.
/// <code>
///  0               4               8   9   10
/// +---------------+---------------+---+---+---+------ ... ---+
/// | length (BE)   | id (BE)       |flg| cmdSet| cmd  | data  |   command (flags = 0x00)
/// |               |               |   | errorCode (BE)| data  |   reply   (flags = 0x80)
/// +---------------+---------------+---+---+---+------ ... ---+
/// </code>
/// </summary>
public sealed class JdwpPacket
{
    /// <summary>Bytes before the body: length, id, flags and command or error code.</summary>
    public const int HeaderLength = 11;

    /// <summary>The flag bit that marks a reply.</summary>
    public const byte ReplyFlag = 0x80;

    private JdwpPacket(int id, byte flags, byte commandSet, byte command, short errorCode, byte[] body)
    {
        Id = id;
        Flags = flags;
        CommandSet = commandSet;
        Command = command;
        ErrorCode = errorCode;
        Body = body;
    }

    /// <summary>The packet id that pairs a reply with its command.</summary>
    public int Id { get; }

    /// <summary>Header flags; only <see cref="ReplyFlag"/> is defined.</summary>
    public byte Flags { get; }

    /// <summary>Command set of a command; 0 for a reply.</summary>
    public byte CommandSet { get; }

    /// <summary>Command within its set; 0 for a reply.</summary>
    public byte Command { get; }

    /// <summary>Error code of a reply; 0 for a command.</summary>
    public short ErrorCode { get; }

    /// <summary>The body bytes after the header.</summary>
    public byte[] Body { get; }

    /// <summary>True when the packet is a reply.</summary>
    public bool IsReply => (Flags & ReplyFlag) != 0;

    /// <summary>Total length on the wire.</summary>
    public int Length => HeaderLength + Body.Length;

    /// <summary>Creates a command packet.</summary>
    public static JdwpPacket NewCommand(int id, byte commandSet, byte command, byte[] body) =>
        new(id, 0, commandSet, command, 0, body);

    /// <summary>Creates a reply packet.</summary>
    public static JdwpPacket NewReply(int id, short errorCode, byte[] body) =>
        new(id, ReplyFlag, 0, 0, errorCode, body);

    /// <summary>Creates a packet from header fields read off the wire.</summary>
    public static JdwpPacket FromHeader(int id, byte flags, byte b9, byte b10, byte[] body) =>
        (flags & ReplyFlag) != 0
            ? new(id, flags, 0, 0, (short)((b9 << 8) | b10), body)
            : new(id, flags, b9, b10, 0, body);

    /// <summary>This packet with another id (the gateway renumbers packets per connection).</summary>
    public JdwpPacket WithId(int id) => new(id, Flags, CommandSet, Command, ErrorCode, Body);

    /// <summary>Writes header and body to <paramref name="destination"/>, which must hold <see cref="Length"/> bytes.</summary>
    public void CopyTo(Span<byte> destination)
    {
        if (IsReply)
        {
            WriteReplyHeader(destination, Id, ErrorCode, Body.Length);
            destination[8] = Flags;
        }
        else
        {
            WriteCommandHeader(destination, Id, CommandSet, Command, Body.Length);
            destination[8] = Flags;
        }

        Body.CopyTo(destination[HeaderLength..]);
    }

    /// <summary>Writes the 11-byte header of a command whose body has <paramref name="bodyLength"/> bytes.</summary>
    public static void WriteCommandHeader(Span<byte> destination, int id, byte commandSet, byte command, int bodyLength)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(destination, HeaderLength + bodyLength);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(destination[4..], id);
        destination[8] = 0;
        destination[9] = commandSet;
        destination[10] = command;
    }

    /// <summary>Writes the 11-byte header of a reply whose body has <paramref name="bodyLength"/> bytes.</summary>
    public static void WriteReplyHeader(Span<byte> destination, int id, short errorCode, int bodyLength)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(destination, HeaderLength + bodyLength);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(destination[4..], id);
        destination[8] = ReplyFlag;
        System.Buffers.Binary.BinaryPrimitives.WriteInt16BigEndian(destination[9..], errorCode);
    }

    /// <inheritdoc />
    public override string ToString() => IsReply
        ? $"reply id={Id} error={ErrorCode} length={Length}"
        : $"command id={Id} {CommandSet}/{Command} length={Length}";
}
