namespace Fabric.Runtime;

/// <summary>Finds a <c>java</c> to run nodes with: <c>JAVA_HOME</c>, then the JDKs this project's machines
/// install, then <c>PATH</c>.</summary>
public static class JavaLocator
{
    private static readonly string[] KnownHomes =
    [
        "/usr/lib/jvm/temurin-25-jdk-amd64",
        "/usr/lib/jvm/java-17-openjdk-amd64",
    ];

    public static string Find()
    {
        var tried = new List<string>();
        var javaHome = Environment.GetEnvironmentVariable("JAVA_HOME");
        foreach (var home in (string.IsNullOrEmpty(javaHome) ? [] : new[] { javaHome }).Concat(KnownHomes))
        {
            var java = Path.Combine(home, "bin", OperatingSystem.IsWindows() ? "java.exe" : "java");
            if (File.Exists(java))
            {
                return java;
            }

            tried.Add(java);
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            var java = Path.Combine(dir, OperatingSystem.IsWindows() ? "java.exe" : "java");
            if (dir.Length > 0 && File.Exists(java))
            {
                return java;
            }
        }

        throw new FileNotFoundException(
            $"no java found (tried {string.Join(", ", tried)} and PATH); install a JDK 17+, e.g. `apt-get install openjdk-17-jdk-headless`, or set JAVA_HOME");
    }
}
