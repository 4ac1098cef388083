namespace JdwpGateway.Protocol.Capture;

/// <summary>
/// Constants of the gateway's own capture format (docs/protocol.md, "Capture format"). All integers are big-endian.
/// <code>
/// file    := magic "JDWP-CAP" (8 bytes)  version:u16 = 1  reserved:u16 = 0  record*
/// record  := length:u32  crc:u32  body[length]
/// body    := timestamp:i64 (UTC µs since 1970)  direction:u8 (0 ToVm, 1 FromVm)  nameLength:u16  name (UTF-8)  data
/// crc     := CRC-32 (IEEE) of the length field's 4 bytes followed by body
/// </code>
/// </summary>
public static class CaptureFormat
{
    /// <summary>Length of the file header.</summary>
    public const int HeaderLength = 12;

    /// <summary>The version this code writes and reads.</summary>
    public const ushort Version = 1;

    /// <summary>Bytes of a record before its body: length and CRC.</summary>
    public const int RecordPrefixLength = 8;

    /// <summary>Bytes of a body before the connection name: timestamp, direction, name length.</summary>
    public const int BodyFixedLength = 11;

    /// <summary>Longest connection name a record can carry (the length field is 16 bits).</summary>
    public const int MaxNameBytes = ushort.MaxValue;

    /// <summary>Largest body a reader accepts; a longer declared length is damage, not data.</summary>
    public const int MaxBodyLength = int.MaxValue - RecordPrefixLength;

    /// <summary>The first 8 bytes of every capture file.</summary>
    public static ReadOnlySpan<byte> Magic => "JDWP-CAP"u8;

    /// <summary>True when <paramref name="head"/> starts with <see cref="Magic"/>.</summary>
    public static bool HasMagic(ReadOnlySpan<byte> head) => head.StartsWith(Magic);
}
