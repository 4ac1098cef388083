namespace Fabric.Runtime.Tests.Support;

/// <summary>A directory deleted when the test ends.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = Directory.CreateTempSubdirectory("fabric-runtime-test-").FullName;
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A JVM still closing may hold a file for a moment; the OS cleans temp eventually.
        }
    }
}
