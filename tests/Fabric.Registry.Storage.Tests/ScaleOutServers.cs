using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Fabric.Registry.Storage.Tests;

/// <summary>
/// A real PostgreSQL server (initdb into a temp dir, on a free loopback port) and a real s3rver, started once for the
/// scale-out tests and torn down after them. Each test then gets its own database and bucket. A missing tool fails
/// every test of the collection with how to install it; nothing is skipped.
/// </summary>
public sealed class ScaleOutServers : IAsyncLifetime
{
    public const string S3AccessKey = "S3RVER";
    public const string S3SecretKey = "S3RVER";
    private const string Install = "run scripts/prerequisites.sh (installs the postgresql package and s3rver under .tools/)";

    private readonly string _directory = Directory.CreateTempSubdirectory("fabric-scaleout-").FullName;
    private string? _pgBin;
    private string? _pgData;
    private Process? _s3rver;

    public string PostgresAdminConnectionString { get; private set; } = string.Empty;

    public string S3Endpoint { get; private set; } = string.Empty;

    public string S3Directory => Path.Combine(_directory, "s3");

    public async Task InitializeAsync()
    {
        try
        {
            await StartPostgresAsync();
            await StartS3rverAsync();
        }
        catch
        {
            // Whatever did start must not outlive the failed run.
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_pgBin is not null && _pgData is not null)
        {
            await RunAsync(AsServerUser(Path.Combine(_pgBin, "pg_ctl"), "-D", _pgData, "-m", "immediate", "-w", "stop"), allowFailure: true);
        }

        if (_s3rver is { HasExited: false })
        {
            _s3rver.Kill(entireProcessTree: true);
            await _s3rver.WaitForExitAsync();
        }

        _s3rver?.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A server still flushing its last file; the temp dir is the OS's to clean then.
        }
    }

    /// <summary>A new, empty database on the server.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "t_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(PostgresAdminConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(PostgresAdminConnectionString) { Database = name, Pooling = true }.ToString();
    }

    private async Task StartPostgresAsync()
    {
        _pgBin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(b => File.Exists(Path.Combine(b, "initdb")) && File.Exists(Path.Combine(b, "pg_ctl")))
                .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;
        if (_pgBin is null)
        {
            throw new InvalidOperationException($"PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin: {Install}");
        }

        // PostgreSQL refuses to run as root; as root, the server runs as the postgres account the package creates.
        if (Environment.UserName == "root")
        {
            await RunAsync(["chown", "-R", $"{ServerUser}:", _directory]);
        }

        _pgData = Path.Combine(_directory, "pg");
        var port = FreePort();
        await RunAsync(AsServerUser(Path.Combine(_pgBin, "initdb"), "-D", _pgData, "-U", "fabric", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"));
        await RunAsync(AsServerUser(
            Path.Combine(_pgBin, "pg_ctl"), "-D", _pgData, "-l", Path.Combine(_directory, "postgres.log"), "-w", "-t", "60",
            "-o", $"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={_directory} -c fsync=off -c max_connections=200",
            "start"));
        PostgresAdminConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = "fabric",
            Database = "postgres",
            Pooling = false,
        }.ToString();
    }

    private async Task StartS3rverAsync()
    {
        var script = Path.Combine(RepositoryRoot(), ".tools", "s3rver", "node_modules", "s3rver", "bin", "s3rver.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"s3rver not found at {script}: {Install}");
        }

        Directory.CreateDirectory(S3Directory);
        var port = FreePort();
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { script, "-d", S3Directory, "-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--silent" })
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            _s3rver = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"cannot start node for s3rver ({ex.Message}): {Install}", ex);
        }

        _s3rver.OutputDataReceived += (_, _) => { };
        _s3rver.BeginOutputReadLine();
        var errors = new System.Text.StringBuilder();
        _s3rver.ErrorDataReceived += (_, e) => errors.AppendLine(e.Data);
        _s3rver.BeginErrorReadLine();
        S3Endpoint = $"http://127.0.0.1:{port}";
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (_s3rver.HasExited)
            {
                throw new InvalidOperationException($"s3rver exited with {_s3rver.ExitCode}: {errors}");
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    private static string ServerUser => "postgres";

    private static string[] AsServerUser(params string[] command) =>
        Environment.UserName == "root" ? ["runuser", "-u", ServerUser, "--", .. command] : command;

    private static async Task RunAsync(string[] command, bool allowFailure = false)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in command[1..])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0 && !allowFailure)
        {
            throw new InvalidOperationException($"{string.Join(' ', command)} exited with {process.ExitCode}: {await output}{await error}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "JdwpGateway.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no JdwpGateway.sln above {AppContext.BaseDirectory}");
    }
}

[CollectionDefinition(Name)]
public sealed class ScaleOutCollection : ICollectionFixture<ScaleOutServers>
{
    public const string Name = "scale-out servers";
}
