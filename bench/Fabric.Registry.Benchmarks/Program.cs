using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using Perfolizer.Horology;

namespace Fabric.Registry.Benchmarks;

/// <summary>Runs the registry benchmarks; arguments are BenchmarkDotNet's. bench/run-registry-benchmarks.sh is the
/// documented way to run them.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        // Few iterations: two shared cores make absolute times noisy, so results are read as ratios to the baseline.
        var job = Job.Default
            .WithId("Quick")
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(10)
            .WithIterationTime(TimeInterval.FromMilliseconds(500));
        var config = DefaultConfig.Instance
            .AddJob(job.AsDefault())
            .WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared));
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
