namespace JdwpGateway.Protocol.Capture;

/// <summary>Opens any capture this project reads, choosing the reader by the file's first bytes.</summary>
public static class CaptureFile
{
    /// <summary>Reads the gateway's capture format, pcap or pcapng.</summary>
    /// <exception cref="CaptureFormatException">The file is none of those, or its framing cannot be read.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static CaptureContents Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        return Read(bytes);
    }

    /// <summary>Reads a capture held in memory, of any supported format.</summary>
    /// <exception cref="CaptureFormatException">The bytes are no supported capture, or their framing cannot be read.</exception>
    public static CaptureContents Read(ReadOnlyMemory<byte> bytes)
    {
        var head = bytes.Span;
        if (CaptureFormat.HasMagic(head))
        {
            return CaptureReader.Read(bytes);
        }

        if (PcapReader.IsPcap(head) || PcapReader.IsPcapNg(head))
        {
            return PcapReader.Read(bytes);
        }

        throw new CaptureFormatException(head.Length < 4
            ? $"not a capture file: only {head.Length} bytes"
            : $"not a capture file: it starts with {Convert.ToHexString(head[..Math.Min(8, head.Length)])}, which is neither 'JDWP-CAP', pcap nor pcapng");
    }
}
