namespace Fabric.Registry.Storage.Configuration;

/// <summary>Which storage the registry opens: <see cref="EmbeddedStorageOptions"/> or
/// <see cref="ScaleOutStorageOptions"/>. Shape and defaults are in docs/configuration.md.</summary>
public abstract record StorageOptions;

/// <summary>SQLite file <c>{Path}/registry.db</c> and blobs under <c>{Path}/blobs</c>: one registry process.</summary>
public sealed record EmbeddedStorageOptions(string Path) : StorageOptions
{
    public const string DefaultPath = "registry-data";
}

/// <summary>PostgreSQL for metadata, an S3-compatible bucket for blobs: any number of registry processes.</summary>
public sealed record ScaleOutStorageOptions(string Postgres, S3Options S3) : StorageOptions;

/// <summary>An S3-compatible bucket, addressed path-style at <paramref name="Endpoint"/>; blobs are keyed
/// <c>{Prefix}{64 hex}</c>.</summary>
public sealed record S3Options(string Endpoint, string Bucket, string AccessKey, string SecretKey, string Region = "us-east-1", string Prefix = "")
{
    // The secret stays out of logs and exception messages that print options.
    public override string ToString() => $"S3Options {{ Endpoint = {Endpoint}, Bucket = {Bucket}, AccessKey = {AccessKey}, Region = {Region}, Prefix = {Prefix} }}";
}
