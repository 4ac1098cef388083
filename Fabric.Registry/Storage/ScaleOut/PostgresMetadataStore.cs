using System.Runtime.CompilerServices;
using Fabric.Registry.Manifests;
using Fabric.Registry.Symbols;
using Npgsql;
using NpgsqlTypes;

namespace Fabric.Registry.Storage.ScaleOut;

/// <summary>
/// The scale-out metadata store: PostgreSQL, shared by any number of registry instances. Transactions run at READ
/// COMMITTED; the places where a publish and a garbage-collector sweep could interleave are made safe with row locks
/// taken in ID order (a publish holds <c>FOR SHARE</c> on the symbols it names, the sweep <c>FOR UPDATE</c> on the
/// ones it would forget, and then re-reads the references in a fresh statement), and concurrent publishes of one name
/// meet at the unique constraint (<c>ON CONFLICT DO NOTHING</c> waits for the other transaction's outcome).
/// </summary>
public sealed class PostgresMetadataStore : IMetadataStore, IAsyncDisposable
{
    public const int SchemaVersion = 1;

    // Any constant: serializes schema creation between registry instances starting together.
    private const long SchemaLockKey = 0x4661627269635247;

    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeProvider _clock;

    private PostgresMetadataStore(NpgsqlDataSource dataSource, TimeProvider clock)
    {
        _dataSource = dataSource;
        _clock = clock;
    }

    /// <summary>Connects and creates the schema when the database has none.</summary>
    public static async Task<PostgresMetadataStore> OpenAsync(string connectionString, TimeProvider? clock = null, CancellationToken cancellationToken = default)
    {
        var dataSource = NpgsqlDataSource.Create(connectionString);
        try
        {
            var store = new PostgresMetadataStore(dataSource, clock ?? TimeProvider.System);
            await store.CreateOrCheckSchemaAsync(cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    public async Task RecordSymbolsAsync(IReadOnlyCollection<SymbolRecord> symbols, CancellationToken cancellationToken = default)
    {
        // One row per ID: ON CONFLICT DO UPDATE refuses to touch a row twice in one statement.
        var unique = symbols.DistinctBy(s => s.Id).OrderBy(s => s.Id).ToList();
        if (unique.Count == 0)
        {
            return;
        }

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await LockIdsAsync(connection, unique.Select(s => s.Id), cancellationToken).ConfigureAwait(false);
        await using var insert = Command(connection, """
            INSERT INTO symbols (id, kind, name, length, refs, recorded_at)
            SELECT id, kind, name, length, refs, @now FROM unnest(@ids, @kinds, @names, @lengths, @refs) AS t (id, kind, name, length, refs)
            ON CONFLICT (id) DO UPDATE SET claimed_at = excluded.recorded_at
            """);
        insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", Now()));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("ids", [.. unique.Select(s => s.Id.ToString())]));
        insert.Parameters.Add(new NpgsqlParameter<short[]>("kinds", [.. unique.Select(s => (short)s.Kind)]));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("names", [.. unique.Select(s => s.Name)]));
        insert.Parameters.Add(new NpgsqlParameter<long[]>("lengths", [.. unique.Select(s => s.Length)]));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("refs", [.. unique.Select(s => string.Join('\n', s.References))]));
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<SymbolRecord?> GetSymbolAsync(SymbolId id, CancellationToken cancellationToken = default)
    {
        await using var select = _dataSource.CreateCommand("SELECT kind, name, length, refs FROM symbols WHERE id = @id");
        select.Parameters.Add(new NpgsqlParameter<string>("id", id.ToString()));
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var refs = reader.GetString(3);
        return new SymbolRecord(id, (SymbolKind)reader.GetInt16(0), reader.GetString(1), reader.GetInt64(2), refs.Length == 0 ? [] : refs.Split('\n'));
    }

    public async Task<IReadOnlySet<SymbolId>> FindMissingAsync(IReadOnlyCollection<SymbolId> ids, CancellationToken cancellationToken = default)
    {
        // Locking in ID order (the inner SELECT) keeps this from deadlocking with a sweep that locks the same rows.
        await using var claim = _dataSource.CreateCommand("""
            UPDATE symbols SET claimed_at = @now
            WHERE id IN (SELECT id FROM symbols WHERE id = ANY (@ids) ORDER BY id FOR UPDATE)
            RETURNING id
            """);
        claim.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", Now()));
        claim.Parameters.Add(IdsParameter("ids", ids));
        var held = await ReadIdsAsync(claim, cancellationToken).ConfigureAwait(false);
        var missing = new HashSet<SymbolId>(ids);
        missing.ExceptWith(held);
        return missing;
    }

    public async Task<PublishOutcome> PublishManifestAsync(StoredManifest manifest, CancellationToken cancellationToken = default)
    {
        var check = PublicationCheck.Of(manifest);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (await ReadCanonicalAsync(connection, manifest.Name, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return Compare(existing, manifest);
        }

        long? parentId = null;
        if (check.Parent is { } parent)
        {
            await using var select = Command(connection, "SELECT id FROM manifests WHERE namespace = @ns AND name = @name AND tag = @tag");
            AddName(select, parent);
            parentId = await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as long?;
        }

        // FOR SHARE holds every named symbol until commit, so a sweep cannot forget one this publish relies on.
        IReadOnlySet<SymbolId> held;
        await using (var select = Command(connection, "SELECT id FROM symbols WHERE id = ANY (@ids) ORDER BY id FOR SHARE"))
        {
            select.Parameters.Add(IdsParameter("ids", check.Symbols));
            held = await ReadIdsAsync(select, cancellationToken).ConfigureAwait(false);
        }

        var missingSymbols = check.Symbols.Where(s => !held.Contains(s)).ToList();
        if (missingSymbols.Count > 0 || (check.Parent is not null && parentId is null))
        {
            throw new ManifestIncompleteException(manifest.Name, PublicationCheck.DescribeMissing(parentId is null ? check.Parent : null, missingSymbols));
        }

        long manifestId;
        await using (var insert = Command(connection, """
            INSERT INTO manifests (namespace, name, tag, parent_id, canonical, signature, key_id, published_at)
            VALUES (@ns, @name, @tag, @parent, @canonical, @signature, @key, @at)
            ON CONFLICT (namespace, name, tag) DO NOTHING
            RETURNING id
            """))
        {
            AddName(insert, manifest.Name);
            insert.Parameters.Add(new NpgsqlParameter("parent", NpgsqlDbType.Bigint) { Value = (object?)parentId ?? DBNull.Value });
            insert.Parameters.Add(new NpgsqlParameter<byte[]>("canonical", manifest.CanonicalBytes));
            insert.Parameters.Add(new NpgsqlParameter<byte[]>("signature", manifest.Signature));
            insert.Parameters.Add(new NpgsqlParameter<string>("key", manifest.KeyId));
            insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("at", manifest.PublishedAt.ToUniversalTime()));
            if (await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not long id)
            {
                // Another publish of this name committed while this one ran.
                var winner = await ReadCanonicalAsync(connection, manifest.Name, cancellationToken).ConfigureAwait(false);
                return Compare(winner!, manifest);
            }

            manifestId = id;
        }

        await using (var roots = Command(connection, "INSERT INTO manifest_symbols (manifest_id, symbol) SELECT @m, unnest(@ids)"))
        {
            roots.Parameters.Add(new NpgsqlParameter<long>("m", manifestId));
            roots.Parameters.Add(IdsParameter("ids", check.Symbols));
            await roots.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return PublishOutcome.Published;
    }

    public async Task<StoredManifest?> GetManifestAsync(ManifestName name, CancellationToken cancellationToken = default)
    {
        await using var select = _dataSource.CreateCommand("SELECT canonical, signature, key_id, published_at FROM manifests WHERE namespace = @ns AND name = @name AND tag = @tag");
        AddName(select, name);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new StoredManifest(name, reader.GetFieldValue<byte[]>(0), reader.GetFieldValue<byte[]>(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3));
    }

    public async IAsyncEnumerable<ManifestName> ListManifestsAsync(string? @namespace = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // COLLATE "C": the same ordinal order as the embedded store, whatever the database's locale.
        await using var select = _dataSource.CreateCommand("""
            SELECT namespace, name, tag FROM manifests WHERE @ns::text IS NULL OR namespace = @ns
            ORDER BY namespace COLLATE "C", name COLLATE "C", tag COLLATE "C"
            """);
        select.Parameters.Add(new NpgsqlParameter("ns", NpgsqlDbType.Text) { Value = (object?)@namespace ?? DBNull.Value });
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return new ManifestName(reader.GetString(0), reader.GetString(1), reader.GetString(2));
        }
    }

    public async Task<IReadOnlySet<SymbolId>> GetReferencedSymbolsAsync(CancellationToken cancellationToken = default)
    {
        await using var select = _dataSource.CreateCommand("SELECT DISTINCT symbol FROM manifest_symbols");
        return await ReadIdsAsync(select, cancellationToken).ConfigureAwait(false);
    }

    public async Task ForgetSymbolsAsync(IReadOnlyCollection<SymbolId> ids, CancellationToken cancellationToken = default)
    {
        await using var delete = _dataSource.CreateCommand("DELETE FROM symbols WHERE id = ANY (@ids)");
        delete.Parameters.Add(IdsParameter("ids", ids));
        await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlySet<SymbolId>> GetProtectedSymbolsAsync(DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        await using var select = _dataSource.CreateCommand("SELECT id FROM symbols WHERE recorded_at >= @since OR claimed_at >= @since");
        select.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("since", since.ToUniversalTime()));
        return await ReadIdsAsync(select, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlySet<SymbolId>> ForgetUnreferencedSymbolsAsync(
        IReadOnlyCollection<SymbolId> ids,
        DateTimeOffset protectedSince,
        Func<IReadOnlySet<SymbolId>, CancellationToken, Task> deleteBlobs,
        CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        // The ID locks order this against RecordSymbolsAsync even for IDs without a row yet; the row locks wait for
        // any publish holding these rows FOR SHARE and any FindMissing claiming them. The next statement takes a fresh
        // snapshot (READ COMMITTED), so it sees what they committed.
        await LockIdsAsync(connection, ids, cancellationToken).ConfigureAwait(false);
        await using (var lockRows = Command(connection, "SELECT id FROM symbols WHERE id = ANY (@ids) ORDER BY id FOR UPDATE"))
        {
            lockRows.Parameters.Add(IdsParameter("ids", ids));
            await lockRows.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        IReadOnlySet<SymbolId> doomed;
        await using (var select = Command(connection, """
            SELECT x FROM unnest(@ids) AS x
            WHERE NOT EXISTS (SELECT 1 FROM manifest_symbols m WHERE m.symbol = x)
              AND NOT EXISTS (SELECT 1 FROM symbols s WHERE s.id = x AND (s.recorded_at >= @since OR s.claimed_at >= @since))
            """))
        {
            select.Parameters.Add(IdsParameter("ids", ids));
            select.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("since", protectedSince.ToUniversalTime()));
            doomed = await ReadIdsAsync(select, cancellationToken).ConfigureAwait(false);
        }

        await using (var delete = Command(connection, "DELETE FROM symbols WHERE id = ANY (@ids)"))
        {
            delete.Parameters.Add(IdsParameter("ids", doomed));
            await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // Still holding the ID locks: a record of one of these waits until its blob is gone.
        await deleteBlobs(doomed, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return doomed;
    }

    private async Task CreateOrCheckSchemaAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var lockSchema = Command(connection, $"SELECT pg_advisory_xact_lock({SchemaLockKey}); CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)"))
        {
            await lockSchema.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        int version;
        await using (var read = Command(connection, "SELECT coalesce(max(version), 0) FROM schema_version"))
        {
            version = (int)(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        if (version > SchemaVersion)
        {
            throw new InvalidOperationException(
                $"PostgreSQL database {connection.Database}: the metadata schema is version {version}, newer than this registry's {SchemaVersion}; upgrade the registry");
        }

        if (version < 1)
        {
            await using var create = Command(connection, """
                CREATE TABLE symbols (
                    id text PRIMARY KEY,
                    kind smallint NOT NULL,
                    name text NOT NULL,
                    length bigint NOT NULL,
                    refs text NOT NULL,
                    recorded_at timestamptz NOT NULL,
                    claimed_at timestamptz
                );
                CREATE TABLE manifests (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    namespace text NOT NULL,
                    name text NOT NULL,
                    tag text NOT NULL,
                    parent_id bigint REFERENCES manifests (id),
                    canonical bytea NOT NULL,
                    signature bytea NOT NULL,
                    key_id text NOT NULL,
                    published_at timestamptz NOT NULL,
                    UNIQUE (namespace, name, tag)
                );
                CREATE TABLE manifest_symbols (
                    manifest_id bigint NOT NULL REFERENCES manifests (id),
                    symbol text NOT NULL,
                    PRIMARY KEY (manifest_id, symbol)
                );
                CREATE INDEX manifest_symbols_by_symbol ON manifest_symbols (symbol);
                INSERT INTO schema_version (version) VALUES (1);
                """);
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static PublishOutcome Compare(byte[] existing, StoredManifest manifest) =>
        existing.AsSpan().SequenceEqual(manifest.CanonicalBytes)
            ? PublishOutcome.AlreadyPublished
            : throw new ManifestConflictException(manifest.Name);

    private static async Task<byte[]?> ReadCanonicalAsync(NpgsqlConnection connection, ManifestName name, CancellationToken cancellationToken)
    {
        await using var select = Command(connection, "SELECT canonical FROM manifests WHERE namespace = @ns AND name = @name AND tag = @tag");
        AddName(select, name);
        return await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
    }

    private static async Task<IReadOnlySet<SymbolId>> ReadIdsAsync(NpgsqlCommand select, CancellationToken cancellationToken)
    {
        var result = new HashSet<SymbolId>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add(SymbolId.Parse(reader.GetString(0)));
        }

        return result;
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql) => new(sql, connection);

    /// <summary>Transaction-scoped advisory locks, one per ID, taken in ID order so two holders never deadlock.</summary>
    private static async Task LockIdsAsync(NpgsqlConnection connection, IEnumerable<SymbolId> ids, CancellationToken cancellationToken)
    {
        await using var lockIds = Command(connection, "SELECT pg_advisory_xact_lock(hashtextextended(x, 0)) FROM unnest(@ids) AS x ORDER BY x");
        lockIds.Parameters.Add(IdsParameter("ids", ids));
        await lockIds.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static NpgsqlParameter<string[]> IdsParameter(string name, IEnumerable<SymbolId> ids) =>
        new(name, [.. ids.Select(i => i.ToString()).Order(StringComparer.Ordinal)]);

    private static void AddName(NpgsqlCommand command, ManifestName name)
    {
        command.Parameters.Add(new NpgsqlParameter<string>("ns", name.Namespace));
        command.Parameters.Add(new NpgsqlParameter<string>("name", name.Name));
        command.Parameters.Add(new NpgsqlParameter<string>("tag", name.Tag));
    }

    private DateTimeOffset Now() => _clock.GetUtcNow();
}
