using System.Globalization;

namespace JdwpGateway.EndToEnd.Benchmarks;

/// <summary>Runs the JDI workload to completion and collects its <c>R iteration target phase nanoseconds</c> lines.</summary>
public static class WorkloadRun
{
    /// <summary>Runs the workload; returns milliseconds per (target, phase). Fails with its output unless it ends with DONE.</summary>
    public static async Task<SampleTable> RunAsync(BenchJava java, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var table = new SampleTable();
        var done = false;
        await using var workload = java.StartWorkload(arguments, line =>
        {
            var parts = line.Split(' ');
            if (parts.Length == 5 && parts[0] == "R")
            {
                table.Add(parts[2], parts[3], long.Parse(parts[4], CultureInfo.InvariantCulture) / 1e6);
            }
            else if (line == "DONE")
            {
                done = true;
            }
        });
        workload.Input.Close();
        var exit = await workload.WaitForExitAsync(timeout).ConfigureAwait(false);
        if (exit != 0 || !done)
        {
            throw new InvalidOperationException($"The JDI workload failed (exit code {exit}). Output:\n{workload.RecentOutput}");
        }

        return table;
    }
}
