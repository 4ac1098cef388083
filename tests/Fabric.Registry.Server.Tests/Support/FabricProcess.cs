using System.Diagnostics;

namespace Fabric.Registry.Server.Tests.Support;

/// <summary>Runs the real <c>fabric</c> CLI (the built fabric.dll next to the tests) as a child process.</summary>
public static class FabricProcess
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "fabric.dll");

    public static ProcessStartInfo StartInfo(string workingDirectory, params string[] args)
    {
        if (!File.Exists(Dll))
        {
            throw new InvalidOperationException($"{Dll} is missing: the test project must reference Fabric.Cli");
        }

        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["JAVA_HOME"] = Jdk.Home17;
        return info;
    }

    public static async Task<(int Exit, string Out, string Err)> RunAsync(string workingDirectory, params string[] args)
    {
        using var process = Process.Start(StartInfo(workingDirectory, args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}

public static class Jdk
{
    public const string Jdk17 = "/usr/lib/jvm/java-17-openjdk-amd64";

    public static string Home17 => File.Exists(Path.Combine(Jdk17, "bin", "javac"))
        ? Jdk17
        : throw new InvalidOperationException($"no JDK at {Jdk17} (bin/javac missing); run scripts/prerequisites.sh");

    public static string Jar(string name)
    {
        var path = Path.Combine("/usr/share/java", name);
        return File.Exists(path) ? path : throw new InvalidOperationException($"{path} is missing; run scripts/prerequisites.sh (libcommons-*-java)");
    }
}
