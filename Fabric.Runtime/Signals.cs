using System.Runtime.InteropServices;

namespace Fabric.Runtime;

/// <summary>The one signal .NET cannot send: SIGTERM, which lets a JVM run its shutdown hooks.</summary>
public static class Signals
{
    private const int SigTerm = 15;

    /// <summary>True when the signal was sent.</summary>
    public static bool Terminate(int pid) => kill(pid, SigTerm) == 0;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
