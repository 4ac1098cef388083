using System.Runtime.CompilerServices;
using System.Text.Json;
using Fabric.Registry.Manifests;
using Fabric.Registry.Symbols;
using Microsoft.Data.Sqlite;

namespace Fabric.Registry.Storage.Embedded;

/// <summary>
/// The embedded metadata store: one SQLite file in WAL mode (readers never block the writer). Every write is a
/// <c>BEGIN IMMEDIATE</c> transaction, so writers are serialized by SQLite itself; that is what makes a publish and a
/// garbage-collector sweep unable to interleave. ID lists travel as one JSON array parameter (<c>json_each</c>), so
/// no statement is limited by SQLite's parameter count.
/// </summary>
public sealed class SqliteMetadataStore : IMetadataStore
{
    public const int SchemaVersion = 1;

    private readonly string _connectionString;
    private readonly TimeProvider _clock;

    public SqliteMetadataStore(string databasePath, TimeProvider? clock = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 60,
        }.ToString();
        _clock = clock ?? TimeProvider.System;
        using var connection = Open();
        CreateOrCheckSchema(connection);
    }

    public async Task RecordSymbolsAsync(IReadOnlyCollection<SymbolRecord> symbols, CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var transaction = connection.BeginTransaction();
        await using var insert = Command(connection, """
            INSERT INTO symbols (id, kind, name, length, refs, recorded_at) VALUES ($id, $kind, $name, $length, $refs, $now)
            ON CONFLICT (id) DO UPDATE SET claimed_at = excluded.recorded_at
            """);
        var id = insert.Parameters.Add("$id", SqliteType.Text);
        var kind = insert.Parameters.Add("$kind", SqliteType.Integer);
        var name = insert.Parameters.Add("$name", SqliteType.Text);
        var length = insert.Parameters.Add("$length", SqliteType.Integer);
        var refs = insert.Parameters.Add("$refs", SqliteType.Text);
        insert.Parameters.AddWithValue("$now", Now());
        foreach (var symbol in symbols)
        {
            id.Value = symbol.Id.ToString();
            kind.Value = (int)symbol.Kind;
            name.Value = symbol.Name;
            length.Value = symbol.Length;
            refs.Value = string.Join('\n', symbol.References);
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<SymbolRecord?> GetSymbolAsync(SymbolId id, CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var select = Command(connection, "SELECT kind, name, length, refs FROM symbols WHERE id = $id");
        select.Parameters.AddWithValue("$id", id.ToString());
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var refs = reader.GetString(3);
        return new SymbolRecord(id, (SymbolKind)reader.GetInt32(0), reader.GetString(1), reader.GetInt64(2), refs.Length == 0 ? [] : refs.Split('\n'));
    }

    public async Task<IReadOnlySet<SymbolId>> FindMissingAsync(IReadOnlyCollection<SymbolId> ids, CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var transaction = connection.BeginTransaction();
        await using (var claim = Command(connection, "UPDATE symbols SET claimed_at = $now WHERE id IN (SELECT value FROM json_each($ids))"))
        {
            claim.Parameters.AddWithValue("$now", Now());
            claim.Parameters.AddWithValue("$ids", JsonIds(ids));
            await claim.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var held = await ReadIdsAsync(connection, "SELECT id FROM symbols WHERE id IN (SELECT value FROM json_each($ids))", ids, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        var missing = new HashSet<SymbolId>(ids);
        missing.ExceptWith(held);
        return missing;
    }

    public async Task<PublishOutcome> PublishManifestAsync(StoredManifest manifest, CancellationToken cancellationToken = default)
    {
        var check = PublicationCheck.Of(manifest);
        await using var connection = Open();
        await using var transaction = connection.BeginTransaction();
        await using (var existing = Command(connection, "SELECT canonical FROM manifests WHERE namespace = $ns AND name = $name AND tag = $tag"))
        {
            AddName(existing, manifest.Name);
            if (await existing.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is byte[] bytes)
            {
                return bytes.AsSpan().SequenceEqual(manifest.CanonicalBytes)
                    ? PublishOutcome.AlreadyPublished
                    : throw new ManifestConflictException(manifest.Name);
            }
        }

        long? parentId = null;
        if (check.Parent is { } parent)
        {
            parentId = await FindManifestIdAsync(connection, parent, cancellationToken).ConfigureAwait(false);
        }

        var missingSymbols = await ReadIdsAsync(
            connection,
            "SELECT value FROM json_each($ids) WHERE value NOT IN (SELECT id FROM symbols)",
            check.Symbols,
            cancellationToken).ConfigureAwait(false);
        if (missingSymbols.Count > 0 || (check.Parent is not null && parentId is null))
        {
            throw new ManifestIncompleteException(manifest.Name, PublicationCheck.DescribeMissing(parentId is null ? check.Parent : null, missingSymbols));
        }

        long manifestId;
        await using (var insert = Command(connection, """
            INSERT INTO manifests (namespace, name, tag, parent_id, canonical, signature, key_id, published_at)
            VALUES ($ns, $name, $tag, $parent, $canonical, $signature, $key, $at) RETURNING id
            """))
        {
            AddName(insert, manifest.Name);
            insert.Parameters.AddWithValue("$parent", (object?)parentId ?? DBNull.Value);
            insert.Parameters.AddWithValue("$canonical", manifest.CanonicalBytes);
            insert.Parameters.AddWithValue("$signature", manifest.Signature);
            insert.Parameters.AddWithValue("$key", manifest.KeyId);
            insert.Parameters.AddWithValue("$at", manifest.PublishedAt.ToUnixTimeMilliseconds());
            manifestId = (long)(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        await using (var roots = Command(connection, "INSERT INTO manifest_symbols (manifest_id, symbol) SELECT $m, value FROM json_each($ids)"))
        {
            roots.Parameters.AddWithValue("$m", manifestId);
            roots.Parameters.AddWithValue("$ids", JsonIds(check.Symbols));
            await roots.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return PublishOutcome.Published;
    }

    public async Task<StoredManifest?> GetManifestAsync(ManifestName name, CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var select = Command(connection, "SELECT canonical, signature, key_id, published_at FROM manifests WHERE namespace = $ns AND name = $name AND tag = $tag");
        AddName(select, name);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new StoredManifest(name, (byte[])reader[0], (byte[])reader[1], reader.GetString(2), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)));
    }

    public async IAsyncEnumerable<ManifestName> ListManifestsAsync(string? @namespace = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var select = Command(connection, "SELECT namespace, name, tag FROM manifests WHERE $ns IS NULL OR namespace = $ns ORDER BY namespace, name, tag");
        select.Parameters.AddWithValue("$ns", (object?)@namespace ?? DBNull.Value);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return new ManifestName(reader.GetString(0), reader.GetString(1), reader.GetString(2));
        }
    }

    public async Task<IReadOnlySet<SymbolId>> GetReferencedSymbolsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        return await ReadIdsAsync(connection, "SELECT DISTINCT symbol FROM manifest_symbols", null, cancellationToken).ConfigureAwait(false);
    }

    public async Task ForgetSymbolsAsync(IReadOnlyCollection<SymbolId> ids, CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var delete = Command(connection, "DELETE FROM symbols WHERE id IN (SELECT value FROM json_each($ids))");
        delete.Parameters.AddWithValue("$ids", JsonIds(ids));
        await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlySet<SymbolId>> GetProtectedSymbolsAsync(DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var select = Command(connection, "SELECT id FROM symbols WHERE recorded_at >= $since OR claimed_at >= $since");
        select.Parameters.AddWithValue("$since", since.ToUnixTimeMilliseconds());
        return await ReadIdsAsync(select, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlySet<SymbolId>> ForgetUnreferencedSymbolsAsync(
        IReadOnlyCollection<SymbolId> ids,
        DateTimeOffset protectedSince,
        Func<IReadOnlySet<SymbolId>, CancellationToken, Task> deleteBlobs,
        CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var transaction = connection.BeginTransaction();
        IReadOnlySet<SymbolId> doomed;
        await using (var select = Command(connection, """
            SELECT j.value FROM json_each($ids) j
            WHERE NOT EXISTS (SELECT 1 FROM manifest_symbols m WHERE m.symbol = j.value)
              AND NOT EXISTS (SELECT 1 FROM symbols s WHERE s.id = j.value AND (s.recorded_at >= $since OR s.claimed_at >= $since))
            """))
        {
            select.Parameters.AddWithValue("$ids", JsonIds(ids));
            select.Parameters.AddWithValue("$since", protectedSince.ToUnixTimeMilliseconds());
            doomed = await ReadIdsAsync(select, cancellationToken).ConfigureAwait(false);
        }

        await using (var delete = Command(connection, "DELETE FROM symbols WHERE id IN (SELECT value FROM json_each($ids))"))
        {
            delete.Parameters.AddWithValue("$ids", JsonIds(doomed));
            await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // Still holding the write lock: a record of one of these waits until its blob is gone.
        await deleteBlobs(doomed, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return doomed;
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();

        // Per connection: FULL makes a committed publish survive power loss, not only a process crash.
        using var pragma = Command(connection, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
        pragma.ExecuteNonQuery();
        return connection;
    }

    private static void CreateOrCheckSchema(SqliteConnection connection)
    {
        using (var wal = Command(connection, "PRAGMA journal_mode = WAL"))
        {
            wal.ExecuteNonQuery();
        }

        using var transaction = connection.BeginTransaction();
        using (var create = Command(connection, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"))
        {
            create.ExecuteNonQuery();
        }

        using var read = Command(connection, "SELECT max(version) FROM schema_version");
        var version = read.ExecuteScalar() is long v ? (int)v : 0;
        if (version > SchemaVersion)
        {
            throw new InvalidOperationException(
                $"{connection.DataSource}: the metadata schema is version {version}, newer than this registry's {SchemaVersion}; upgrade the registry");
        }

        if (version < 1)
        {
            using var create = Command(connection, """
                CREATE TABLE symbols (
                    id TEXT PRIMARY KEY,
                    kind INTEGER NOT NULL,
                    name TEXT NOT NULL,
                    length INTEGER NOT NULL,
                    refs TEXT NOT NULL,
                    recorded_at INTEGER NOT NULL,
                    claimed_at INTEGER
                ) WITHOUT ROWID;
                CREATE TABLE manifests (
                    id INTEGER PRIMARY KEY,
                    namespace TEXT NOT NULL,
                    name TEXT NOT NULL,
                    tag TEXT NOT NULL,
                    parent_id INTEGER REFERENCES manifests (id),
                    canonical BLOB NOT NULL,
                    signature BLOB NOT NULL,
                    key_id TEXT NOT NULL,
                    published_at INTEGER NOT NULL,
                    UNIQUE (namespace, name, tag)
                );
                CREATE TABLE manifest_symbols (
                    manifest_id INTEGER NOT NULL REFERENCES manifests (id),
                    symbol TEXT NOT NULL,
                    PRIMARY KEY (manifest_id, symbol)
                ) WITHOUT ROWID;
                CREATE INDEX manifest_symbols_by_symbol ON manifest_symbols (symbol);
                INSERT INTO schema_version (version) VALUES (1);
                """);
            create.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    private static async Task<long?> FindManifestIdAsync(SqliteConnection connection, ManifestName name, CancellationToken cancellationToken)
    {
        await using var select = Command(connection, "SELECT id FROM manifests WHERE namespace = $ns AND name = $name AND tag = $tag");
        AddName(select, name);
        return await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as long?;
    }

    private static async Task<IReadOnlySet<SymbolId>> ReadIdsAsync(SqliteConnection connection, string sql, IReadOnlyCollection<SymbolId>? ids, CancellationToken cancellationToken)
    {
        await using var select = Command(connection, sql);
        if (ids is not null)
        {
            select.Parameters.AddWithValue("$ids", JsonIds(ids));
        }

        return await ReadIdsAsync(select, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IReadOnlySet<SymbolId>> ReadIdsAsync(SqliteCommand select, CancellationToken cancellationToken)
    {
        var result = new HashSet<SymbolId>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add(SymbolId.Parse(reader.GetString(0)));
        }

        return result;
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    private static void AddName(SqliteCommand command, ManifestName name)
    {
        command.Parameters.AddWithValue("$ns", name.Namespace);
        command.Parameters.AddWithValue("$name", name.Name);
        command.Parameters.AddWithValue("$tag", name.Tag);
    }

    private static string JsonIds(IEnumerable<SymbolId> ids) => JsonSerializer.Serialize(ids.Select(i => i.ToString()));

    private long Now() => _clock.GetUtcNow().ToUnixTimeMilliseconds();
}
