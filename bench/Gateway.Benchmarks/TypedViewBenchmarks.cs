using BenchmarkDotNet.Attributes;
using JdwpGateway.Protocol;
using JdwpGateway.Protocol.Decoding;
using JdwpGateway.Protocol.Encoding;

namespace JdwpGateway.Benchmarks;

/// <summary>
/// Decoding a body to the typed view (<see cref="PacketDecoder"/>) and encoding it back (<see cref="PacketEncoder"/>)
/// for the representative packets, as ratios against copying the body in the same run. The typed view serves
/// printing (<c>decode</c>), <c>--verify</c> and tests, not the forwarding path, which walks and rewrites in place.
/// </summary>
[MemoryDiagnoser]
public class TypedViewBenchmarks
{
    private SamplePacket _sample = null!;
    private byte[] _body = null!;
    private byte[] _copyTarget = null!;
    private IReadOnlyList<DecodedValue> _decoded = null!;
    private JdwpWriter _writer = null!;
    private readonly PacketDecoder _decoder = new();

    /// <summary>The packet under test.</summary>
    [ParamsSource(nameof(PacketNames))]
    public string Packet { get; set; } = SamplePackets.Names[0];

    public static IEnumerable<string> PacketNames => SamplePackets.Names;

    [GlobalSetup]
    public void Setup()
    {
        _sample = SamplePackets.Get(Packet);
        _body = _sample.Body;
        _copyTarget = new byte[_body.Length];
        _writer = new JdwpWriter(_body.Length);
        _decoded = _decoder.DecodeBody(_body, _sample.Layout, IdSizes.Eight, out var status);
        _writer.Clear();
        PacketEncoder.EncodeBody(_decoded, _sample.Layout, IdSizes.Eight, _writer);
        if (status != BodyStatus.Decoded || !_writer.Written.SequenceEqual(_body))
        {
            throw new InvalidOperationException($"{Packet}: decode ({status}) then encode did not give the body back");
        }
    }

    /// <summary>Baseline: copy the body into a preallocated buffer.</summary>
    [Benchmark(Baseline = true)]
    public void CopyBody() => _body.AsSpan().CopyTo(_copyTarget);

    /// <summary>Body → typed fields (one object per value, nested for groups and unions).</summary>
    [Benchmark]
    public int Decode() => _decoder.DecodeBody(_body, _sample.Layout, IdSizes.Eight, out _).Count;

    /// <summary>Typed fields → body, into a reused writer.</summary>
    [Benchmark]
    public int Encode()
    {
        _writer.Clear();
        PacketEncoder.EncodeBody(_decoded, _sample.Layout, IdSizes.Eight, _writer);
        return _writer.Length;
    }
}
