using System.Runtime.InteropServices;

namespace JdwpGateway.Fuzz;

/// <summary>Runs inputs through the target outside afl-fuzz and prints each crash with its stack.</summary>
public static class Repro
{
    /// <summary>Runs every file (directories are expanded); returns 1 if any input crashed.</summary>
    public static int Run(IEnumerable<string> paths)
    {
        // An instrumented Gateway.Protocol.dll (OUT/target of bench/fuzz.sh) records branches into SharpFuzz's trace
        // map, which only SharpFuzz's Run methods allocate: give it one, or the first branch is an access violation.
        unsafe
        {
            if (SharpFuzz.Common.Trace.SharedMem == null)
            {
                SharpFuzz.Common.Trace.SharedMem = (byte*)NativeMemory.AllocZeroed(65536);
            }
        }

        var files = paths.SelectMany<string, string>(p => Directory.Exists(p)
            ? Directory.EnumerateFiles(p).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal)
            : [p]);
        int ok = 0, crashed = 0;
        foreach (var file in files)
        {
            var data = File.ReadAllBytes(file);
            try
            {
                FuzzTarget.Run(data);
                ok++;
            }
#pragma warning disable CA1031 // Triage reports every exception type: that is the point.
            catch (Exception e)
#pragma warning restore CA1031
            {
                crashed++;
                Console.WriteLine($"CRASH {file} ({data.Length} bytes): {Convert.ToHexString(data)}");
                Console.WriteLine(e);
                Console.WriteLine();
            }
        }

        var (packets, walked, rejected) = FuzzTarget.Counts;
        Console.WriteLine($"{packets} known-layout packets: {walked} walked at 8-byte IDs, {rejected} rejected with JdwpProtocolException");
        Console.WriteLine($"{ok} passed, {crashed} crashed");
        return crashed == 0 ? 0 : 1;
    }
}
