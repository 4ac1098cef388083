using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using Perfolizer.Horology;

namespace JdwpGateway.Benchmarks;

/// <summary>
/// Runs the codec benchmarks. Arguments are BenchmarkDotNet's (for example <c>--filter *Rewrite*</c>,
/// <c>--artifacts DIR</c>); bench/run-benchmarks.sh is the documented way to run them.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        // Few, short iterations: the machine has two cores shared with other work, so absolute times are noisy and
        // every result is read as a ratio against the baseline of the same run. The whole run stays within minutes.
        var job = Job.Default
            .WithId("Quick")
            .WithLaunchCount(1)
            .WithWarmupCount(5)
            .WithIterationCount(20)
            .WithIterationTime(TimeInterval.FromMilliseconds(250));

        var config = DefaultConfig.Instance
            .AddJob(job.AsDefault())
            .AddColumn(PayloadColumn.Size, PayloadColumn.Rate)
            .AddColumn(StatisticColumn.Median)
            .WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared));

        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
