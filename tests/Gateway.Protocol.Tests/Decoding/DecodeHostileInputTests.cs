using JdwpGateway.Cli;
using JdwpGateway.Demo;
using Xunit;

namespace JdwpGateway.Protocol.Tests.Decoding;

/// <summary>
/// <c>decode</c> of damaged captures: real pcap, pcapng and gateway captures with bytes flipped, length fields set to
/// huge values, and cut short at random points. Every one is reported (exit code), none throws.
/// </summary>
public sealed class DecodeHostileInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("jdwp-gateway-decode-hostile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> Captures() =>
    [
        Path.Combine("tests", "Gateway.Protocol.Tests", "Capture", "Fixtures", "jdb-lo.pcapng"),
        Path.Combine("tests", "Gateway.Protocol.Tests", "Capture", "Fixtures", "jdb-any.pcap"),
        Path.Combine("tests", "Gateway.Protocol.Tests", "Capture", "Fixtures", "jdb-ipv6.pcapng"),
        Path.Combine("fixtures", "jdwp-captures", "eclipse-jdk17-step.jdwpcap"),
    ];

    [Theory]
    [MemberData(nameof(Captures))]
    public void Damaged_captures_are_reported_never_thrown(string relative)
    {
        var original = File.ReadAllBytes(Path.Combine(DemoAppBuilder.FindRepoRoot(), relative));
        var random = new Random(relative.Length * 7919);
        var path = Path.Combine(_dir, Path.GetFileName(relative));
        for (var round = 0; round < 150; round++)
        {
            var bytes = Mutate(original, random, round);
            File.WriteAllBytes(path, bytes);
            try
            {
                var result = DecodeCommand.Run(path, verify: true, TextWriter.Null, TextWriter.Null);
                Assert.InRange(result.ExitCode, 0, 2);
            }
            catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
            {
                var kept = Path.Combine(Path.GetTempPath(), $"decode-crash-{Path.GetFileName(relative)}-{round}");
                File.WriteAllBytes(kept, bytes);
                Assert.Fail($"decode threw on round {round} (input kept at {kept}): {ex}");
            }
        }
    }

    [Fact]
    public void Random_bytes_and_empty_files_are_reported()
    {
        var random = new Random(42);
        var path = Path.Combine(_dir, "noise.bin");
        foreach (var length in new[] { 0, 1, 3, 4, 8, 23, 24, 28, 100, 4096 })
        {
            var bytes = new byte[length];
            random.NextBytes(bytes);
            File.WriteAllBytes(path, bytes);
            var errors = new StringWriter();
            var result = DecodeCommand.Run(path, verify: false, TextWriter.Null, errors);
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains(path, errors.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_directory_is_reported()
    {
        var errors = new StringWriter();
        var result = DecodeCommand.Run(_dir, verify: false, TextWriter.Null, errors);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(_dir, errors.ToString(), StringComparison.Ordinal);
    }

    private static byte[] Mutate(byte[] original, Random random, int round)
    {
        var bytes = (byte[])original.Clone();
        switch (round % 4)
        {
            case 0:
                return bytes[..random.Next(bytes.Length)];
            case 1:
                for (var i = 0; i < 1 + random.Next(8); i++)
                {
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                }

                return bytes;
            case 2:
                {
                    // A length-like field made huge or negative.
                    var at = random.Next(bytes.Length - 4);
                    var value = random.Next(3) switch { 0 => 0xFFFFFFFFu, 1 => 0x7FFFFFFFu, _ => 0x80000000u };
                    BitConverter.TryWriteBytes(bytes.AsSpan(at), value);
                    return bytes;
                }

            default:
                {
                    var cut = random.Next(bytes.Length);
                    var length = random.Next(1, 64);
                    return [.. bytes[..cut], .. bytes[Math.Min(bytes.Length, cut + length)..]];
                }
        }
    }
}
