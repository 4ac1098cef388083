using System.Globalization;

namespace JdwpGateway.EndToEnd.Benchmarks;

/// <summary>Resident memory of a process as Linux reports it in <c>/proc/PID/status</c>.</summary>
public static class ProcessMemory
{
    /// <summary>Current resident set (VmRSS), in bytes.</summary>
    public static long Resident(int pid) => Read(pid, "VmRSS:");

    /// <summary>Peak resident set since the process started (VmHWM), in bytes.</summary>
    public static long PeakResident(int pid) => Read(pid, "VmHWM:");

    private static long Read(int pid, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                var kb = line[field.Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"/proc/{pid}/status has no {field} line.");
    }
}
