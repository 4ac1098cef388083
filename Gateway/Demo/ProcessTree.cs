using System.Globalization;

namespace JdwpGateway.Demo;

/// <summary>
/// Reads the process table from <c>/proc</c> (Linux): a process's children, all its descendants and its command line.
/// The fabric demo uses it to show the JVMs behind each <c>fabric run</c>; elsewhere it answers "nothing".
/// </summary>
public static class ProcessTree
{
    private const string ProcRoot = "/proc";

    /// <summary>True where <c>/proc</c> lists processes.</summary>
    public static bool IsAvailable => File.Exists(Path.Combine(ProcRoot, "self", "stat"));

    /// <summary>The pids whose parent is <paramref name="pid"/>.</summary>
    public static IReadOnlyList<int> Children(int pid) =>
        [.. ParentsByPid().Where(p => p.Value == pid).Select(p => p.Key).Order()];

    /// <summary>Every process below <paramref name="pid"/> (children, their children, ...), parents first.</summary>
    public static IReadOnlyList<int> Descendants(int pid)
    {
        var parents = ParentsByPid();
        var result = new List<int>();
        var queue = new Queue<int>([pid]);
        while (queue.TryDequeue(out var parent))
        {
            foreach (var child in parents.Where(p => p.Value == parent).Select(p => p.Key).Order())
            {
                result.Add(child);
                queue.Enqueue(child);
            }
        }

        return result;
    }

    /// <summary>The process's arguments (<c>/proc/PID/cmdline</c>), empty when it is gone or a zombie.</summary>
    public static IReadOnlyList<string> CommandLine(int pid)
    {
        try
        {
            var text = File.ReadAllText(Path.Combine(ProcRoot, pid.ToString(CultureInfo.InvariantCulture), "cmdline"));
            return text.Split('\0', StringSplitOptions.None) is var parts && parts.Length > 0 && parts[^1].Length == 0
                ? parts[..^1]
                : parts;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>True while the process exists and is not a zombie (exited, waiting to be reaped).</summary>
    public static bool IsRunning(int pid) =>
        ReadStat(pid) is { } stat && stat.State != 'Z' && stat.State != 'X';

    private static Dictionary<int, int> ParentsByPid()
    {
        var parents = new Dictionary<int, int>();
        if (!IsAvailable)
        {
            return parents;
        }

        foreach (var dir in Directory.EnumerateDirectories(ProcRoot))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && ReadStat(pid) is { } stat)
            {
                parents[pid] = stat.Parent;
            }
        }

        return parents;
    }

    /// <summary>State and parent from <c>/proc/PID/stat</c>: "pid (comm) state ppid ..."; comm may hold spaces and parentheses.</summary>
    private static (char State, int Parent)? ReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText(Path.Combine(ProcRoot, pid.ToString(CultureInfo.InvariantCulture), "stat"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var close = text.LastIndexOf(')');
        var fields = close < 0 ? [] : text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length >= 2 && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent)
            ? (fields[0][0], parent)
            : null;
    }
}
