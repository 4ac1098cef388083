using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using JdwpGateway.Routing.Config;
using JdwpGateway.Routing.Nodes;
using JdwpGateway.Routing.Session;
using JdwpGateway.Routing.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace JdwpGateway.Benchmarks;

/// <summary>
/// What <see cref="GatewayMetrics"/> costs per debugger command and per packet: with nothing listening (the baseline),
/// with a bare <see cref="MeterListener"/> (the cost of the instruments' own dispatch), with the OpenTelemetry SDK
/// aggregating as the gateway host runs it, and with every command traced too. One operation is what the session does
/// for one command: count the arriving packet, start the command, complete it (reply packet, counter, latency).
/// </summary>
[MemoryDiagnoser]
public class TelemetryBenchmarks
{
    private GatewayMetrics _metrics = null!;
    private VirtualVm _vm = null!;
    private MeterListener? _listener;
    private MeterProvider? _meterProvider;
    private TracerProvider? _tracerProvider;

    [GlobalSetup(Targets = [nameof(CommandUnobserved), nameof(PacketUnobserved)])]
    public void SetupUnobserved() => Setup();

    [GlobalSetup(Target = nameof(CommandMeterListener))]
    public void SetupMeterListener()
    {
        Setup();
        _listener = new MeterListener { InstrumentPublished = (i, l) => l.EnableMeasurementEvents(i) };
        _listener.SetMeasurementEventCallback<long>(static (_, _, _, _) => { });
        _listener.SetMeasurementEventCallback<int>(static (_, _, _, _) => { });
        _listener.SetMeasurementEventCallback<double>(static (_, _, _, _) => { });
        _listener.Start();
    }

    [GlobalSetup(Targets = [nameof(CommandOpenTelemetry), nameof(PacketOpenTelemetry)])]
    public void SetupOpenTelemetry()
    {
        Setup();
        _meterProvider = Sdk.CreateMeterProviderBuilder().AddMeter(GatewayMetrics.Name)
            .AddReader(new PeriodicExportingMetricReader(new DiscardingExporter(), 3_600_000)).Build();
    }

    [GlobalSetup(Target = nameof(CommandOpenTelemetryTraced))]
    public void SetupTraced()
    {
        SetupOpenTelemetry();
        _tracerProvider = Sdk.CreateTracerProviderBuilder().AddSource(GatewayMetrics.Name).SetSampler(new AlwaysOnSampler()).Build();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _tracerProvider?.Dispose();
        _meterProvider?.Dispose();
        _listener?.Dispose();
        _metrics.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void CommandUnobserved() => Command();

    [Benchmark]
    public void CommandMeterListener() => Command();

    [Benchmark]
    public void CommandOpenTelemetry() => Command();

    [Benchmark]
    public void CommandOpenTelemetryTraced() => Command();

    [Benchmark]
    public void PacketUnobserved() => _metrics.Packet(PacketDirection.FromNode, 64);

    [Benchmark]
    public void PacketOpenTelemetry() => _metrics.Packet(PacketDirection.FromNode, 64);

    private void Setup()
    {
        _metrics = new GatewayMetrics();
        _vm = new VirtualVm(new NodeDirectory(Array.Empty<NodeOptions>()));
    }

    // ThreadReference.Name answered: a by-id command, the common case.
    private void Command()
    {
        _metrics.Packet(PacketDirection.FromDebugger, 19);
        var trace = _metrics.CommandStarted(11, 1);
        _metrics.CommandCompleted(trace, 0, 30, _vm);
    }

    private sealed class DiscardingExporter : BaseExporter<Metric>
    {
        public override ExportResult Export(in Batch<Metric> batch) => ExportResult.Success;
    }
}
