using System.Buffers;
using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using JdwpGateway.Protocol;
using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Framing;

namespace JdwpGateway.Benchmarks;

/// <summary>
/// The codec's per-packet cost for each representative packet, as ratios against copying the body's bytes
/// (<see cref="CopyBody"/>) in the same run. Every method handles one packet per operation, so "Allocated" is bytes
/// per packet.
/// </summary>
[MemoryDiagnoser]
public class PacketBenchmarks
{
    /// <summary>Packets in the framing buffer.</summary>
    public const int PacketsPerSequence = 100;

    /// <summary>Segment size of the framing buffer: System.IO.Pipelines' default minimum segment size.</summary>
    public const int SegmentSize = 4096;

    private SamplePacket _sample = null!;
    private byte[] _body = null!;
    private byte[] _copyTarget = null!;
    private JdwpWriter _writer = null!;
    private DictionaryMapper _translate = null!;
    private ReadOnlySequence<byte> _stream;

    /// <summary>The packet under test.</summary>
    [ParamsSource(nameof(PacketNames))]
    public string Packet { get; set; } = SamplePackets.Names[0];

    public static IEnumerable<string> PacketNames => SamplePackets.Names;

    [GlobalSetup(Target = nameof(CopyBody))]
    public void SetupCopyBody() => Setup(() => CopyBody());

    [GlobalSetup(Target = nameof(RewriteIdentity))]
    public void SetupRewriteIdentity() => Setup(() => RewriteIdentity());

    [GlobalSetup(Target = nameof(RewriteTranslate))]
    public void SetupRewriteTranslate() => Setup(() => RewriteTranslate());

    [GlobalSetup(Target = nameof(RewriteTranslateToArray))]
    public void SetupRewriteTranslateToArray() => Setup(() => RewriteTranslateToArray());

    [GlobalSetup(Target = nameof(FrameRead))]
    public void SetupFrameRead() => Setup(() => FrameRead());

    private void Setup(Action benchmark)
    {
        _sample = SamplePackets.Get(Packet);
        _body = _sample.Body;
        _copyTarget = new byte[_body.Length];
        _writer = new JdwpWriter(_body.Length);
        _translate = new DictionaryMapper(_sample.Ids, _sample.RequestIds);

        var wire = new List<byte>();
        for (var i = 0; i < PacketsPerSequence; i++)
        {
            wire.AddRange(_sample.ToWire(i + 1));
        }

        _stream = Segments.Of(wire.ToArray(), SegmentSize);
        Check();
        WarmUp(benchmark);
    }

    /// <summary>
    /// Runs the benchmark until the tiered JIT has promoted it. Without this, BenchmarkDotNet's pilot stage times the
    /// large packets in Tier-0 code (AllClasses: ~4 ms instead of ~0.5 ms per packet) and picks so few invocations per
    /// iteration that the measured iterations are short and mix Tier-0 and Tier-1 code. Only the measured method runs,
    /// so the dynamic PGO data it tiers up with are its own.
    /// </summary>
    private static void WarmUp(Action benchmark)
    {
        for (var round = 0; round < 3; round++)
        {
            var clock = Stopwatch.StartNew();
            for (var calls = 0; calls < 64 || clock.ElapsedMilliseconds < 100; calls++)
            {
                benchmark();
            }

            Thread.Sleep(150); // lets the background Tier-1 compilation finish
        }
    }

    /// <summary>Baseline: copy the body into a preallocated buffer.</summary>
    [Benchmark(Baseline = true)]
    public void CopyBody() => _body.AsSpan().CopyTo(_copyTarget);

    /// <summary>Walk the layout and rewrite every ID through a mapper that returns it unchanged.</summary>
    [Benchmark]
    public int RewriteIdentity()
    {
        _writer.Clear();
        PacketRewriter.Rewrite(_body, _sample.Layout, IdSizes.Eight, IdSizes.Eight, IdentityMapper.Instance, _writer);
        return _writer.Length;
    }

    /// <summary>Walk the layout and translate every ID through a dictionary, as the gateway does.</summary>
    [Benchmark]
    public int RewriteTranslate()
    {
        _writer.Clear();
        PacketRewriter.Rewrite(_body, _sample.Layout, IdSizes.Eight, IdSizes.Eight, _translate, _writer);
        return _writer.Length;
    }

    /// <summary>
    /// Not one of the four: the same translation through the overload that returns a new array, which the
    /// gateway's DebugSession called until it forwarded from rented buffers (a new writer, its buffer and the returned
    /// copy per packet; see <see cref="ForwardBenchmarks"/>).
    /// </summary>
    [Benchmark]
    public int RewriteTranslateToArray() =>
        PacketRewriter.Rewrite(_body, _sample.Layout, IdSizes.Eight, IdSizes.Eight, _translate).Length;

    /// <summary>Cut packets out of a multi-segment buffer of <see cref="PacketsPerSequence"/> packets; reported per packet.</summary>
    [Benchmark(OperationsPerInvoke = PacketsPerSequence)]
    public long FrameRead()
    {
        var buffer = _stream;
        long bodyBytes = 0;
        while (JdwpFrameReader.TryReadPacket(ref buffer, JdwpFrameReader.DefaultMaxPacketLength, "bench", 0, out var packet))
        {
            bodyBytes += packet!.Body.Length;
        }

        return bodyBytes;
    }

    private void Check()
    {
        _writer.Clear();
        PacketRewriter.Rewrite(_body, _sample.Layout, IdSizes.Eight, IdSizes.Eight, IdentityMapper.Instance, _writer);
        if (!_writer.Written.SequenceEqual(_body))
        {
            throw new InvalidOperationException($"{Packet}: the identity rewrite changed the body");
        }

        _writer.Clear();
        PacketRewriter.Rewrite(_body, _sample.Layout, IdSizes.Eight, IdSizes.Eight, _translate, _writer);
        if (_writer.Length != _body.Length || _writer.Written.SequenceEqual(_body))
        {
            throw new InvalidOperationException($"{Packet}: the translating rewrite did not translate");
        }

        if (FrameRead() != (long)PacketsPerSequence * _body.Length)
        {
            throw new InvalidOperationException($"{Packet}: framing did not return {PacketsPerSequence} packets");
        }

        _writer.Clear();
    }
}

/// <summary>Builds a <see cref="ReadOnlySequence{T}"/> out of fixed-size segments, like a pipe reader hands out.</summary>
internal sealed class Segments : ReadOnlySequenceSegment<byte>
{
    private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    public static ReadOnlySequence<byte> Of(byte[] bytes, int segmentSize)
    {
        var first = new Segments(bytes.AsMemory(0, Math.Min(segmentSize, bytes.Length)), 0);
        var last = first;
        for (var at = last.Memory.Length; at < bytes.Length; at += segmentSize)
        {
            var next = new Segments(bytes.AsMemory(at, Math.Min(segmentSize, bytes.Length - at)), at);
            last.Next = next;
            last = next;
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}
