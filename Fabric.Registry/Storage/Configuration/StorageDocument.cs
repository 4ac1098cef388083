namespace Fabric.Registry.Storage.Configuration;

/// <summary>
/// The <c>storage:</c> section as YamlDotNet binds it (mutable, every key optional), for embedding in the registry's
/// configuration document; <see cref="ToOptions"/> checks it and makes the immutable <see cref="StorageOptions"/>.
/// </summary>
public sealed class StorageDocument
{
    public const string KnownKeys = "kind, path, postgres, s3";

    public string? Kind { get; set; }

    public string? Path { get; set; }

    public string? Postgres { get; set; }

    public S3Document? S3 { get; set; }

    /// <summary>Every problem at once, each naming its key.</summary>
    /// <exception cref="StorageConfigException">The section is inconsistent or incomplete.</exception>
    public static StorageOptions ToOptions(StorageDocument? document, string source)
    {
        document ??= new StorageDocument();
        var problems = new List<string>();
        StorageOptions? options = null;
        switch (document.Kind ?? "embedded")
        {
            case "embedded":
                if (document.Postgres is not null || document.S3 is not null)
                {
                    problems.Add("storage.postgres and storage.s3 are for kind: scaleout, not embedded");
                }

                if (document.Path is { Length: 0 })
                {
                    problems.Add("storage.path must not be empty");
                }

                options = new EmbeddedStorageOptions(document.Path ?? EmbeddedStorageOptions.DefaultPath);
                break;
            case "scaleout":
                if (document.Path is not null)
                {
                    problems.Add("storage.path is for kind: embedded, not scaleout");
                }

                if (string.IsNullOrWhiteSpace(document.Postgres))
                {
                    problems.Add("storage.postgres (a PostgreSQL connection string, e.g. \"Host=db;Username=fabric;Password=...;Database=fabric\") is required for kind: scaleout");
                }

                var s3 = document.S3?.ToOptions(problems);
                if (document.S3 is null)
                {
                    problems.Add("storage.s3 (endpoint, bucket, accessKey, secretKey) is required for kind: scaleout");
                }

                if (problems.Count == 0)
                {
                    options = new ScaleOutStorageOptions(document.Postgres!, s3!);
                }

                break;
            default:
                problems.Add($"storage.kind '{document.Kind}' must be one of: embedded, scaleout");
                break;
        }

        return problems.Count == 0
            ? options!
            : throw new StorageConfigException($"{source}: {string.Join("; ", problems)}");
    }
}

public sealed class S3Document
{
    public const string KnownKeys = "endpoint, bucket, accessKey, secretKey, region, prefix";

    public string? Endpoint { get; set; }

    public string? Bucket { get; set; }

    public string? AccessKey { get; set; }

    public string? SecretKey { get; set; }

    public string? Region { get; set; }

    public string? Prefix { get; set; }

    internal S3Options? ToOptions(List<string> problems)
    {
        var count = problems.Count;
        if (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https"))
        {
            problems.Add($"storage.s3.endpoint '{Endpoint}' must be an http:// or https:// URL, e.g. http://127.0.0.1:9000");
        }

        foreach (var (value, key) in new[] { (Bucket, "bucket"), (AccessKey, "accessKey"), (SecretKey, "secretKey") })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                problems.Add($"storage.s3.{key} is required");
            }
        }

        return problems.Count > count
            ? null
            : new S3Options(Endpoint!, Bucket!, AccessKey!, SecretKey!, Region ?? "us-east-1", Prefix ?? string.Empty);
    }
}

/// <summary>A storage configuration problem the user must fix; the message says what and where.</summary>
public sealed class StorageConfigException(string message, Exception? inner = null) : Exception(message, inner);
