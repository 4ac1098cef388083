using System.Globalization;

namespace JdwpGateway.EndToEnd.Benchmarks;

/// <summary>CPU time a process has used, as Linux reports it in <c>/proc/PID/stat</c> (user + system, 10 ms ticks).</summary>
public static class ProcessCpu
{
    private const double TicksPerSecond = 100; // USER_HZ, 100 on every Linux this runs on.

    /// <summary>User plus system CPU time so far, in milliseconds.</summary>
    public static double Milliseconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");

        // Fields after the command name (which may hold spaces) start after the last ')': state is field 3, utime 14, stime 15.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks * 1000 / TicksPerSecond;
    }
}
