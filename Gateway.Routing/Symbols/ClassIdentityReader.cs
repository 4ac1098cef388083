using System.Collections.Concurrent;
using System.Security.Cryptography;
using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Routing.Nodes;

namespace JdwpGateway.Routing.Symbols;

/// <summary>
/// Reads what identifies a node's class across nodes (docs/virtual-vm.md, "Identity"): the bootstrap loader's classes
/// are identified by name; a class the fabric class loader defined by the registry's hash of its bytes; any other class
/// by a fingerprint of its constant pool.
/// </summary>
public sealed class ClassIdentityReader(IReleaseHashes? releases)
{
    /// <summary>The identity of every class the bootstrap loader defined: such classes are one symbol per signature.</summary>
    public const string BootstrapIdentity = "bootstrap";

    /// <summary>The identity of every array type: arrays are one symbol per signature.</summary>
    public const string ArrayIdentity = "array";

    private const string FabricLoaderSignature = "Lfabric/node/FabricClassLoader;";
    private const string FabricLoaderNamePrefix = "fabric:";

    // The release a node's class loader object serves (null for loaders that are not the fabric one); loader objects
    // are few and live as long as their classes, so each is asked about once.
    private readonly ConcurrentDictionary<(int Node, ulong Loader), Lazy<Task<string?>>> _loaderReleases = new();
    private readonly ConcurrentDictionary<int, Lazy<Task<ulong?>>> _loaderNameFields = new();

    /// <summary>True when the gateway knows a registry to take class hashes from.</summary>
    public bool UsesRegistry => releases is not null;

    /// <summary>
    /// The identity of a node's class: <see cref="BootstrapIdentity"/>, the registry's symbol ID (64 lower-case hex
    /// digits), or <c>cp:</c> and the SHA-256 of its constant pool. A class whose constant pool cannot be read (not
    /// prepared yet, or no <c>canGetConstantPool</c>) is given an identity of its own node, so it is never wrongly
    /// merged.
    /// </summary>
    public async Task<string> IdentifyAsync(NodeLink node, ulong typeId, string signature, byte[]? definedBytes = null)
    {
        if (signature.StartsWith('['))
        {
            return ArrayIdentity;
        }

        if (signature.StartsWith("Ljava/", StringComparison.Ordinal))
        {
            // The JVM lets only the bootstrap and the platform loader define a class in a java.* package (any other
            // loader's attempt is refused as a prohibited package name): such a class is the JDK's, one type per name,
            // known without asking the node for its loader.
            return BootstrapIdentity;
        }

        var typeIdBytes = new JdwpWriter().Id(typeId, node.Sizes.ReferenceTypeId).ToArray();
        var loader = await node.SendAsync(2, 2, typeIdBytes).ConfigureAwait(false);
        var loaderId = loader.ErrorCode == 0 ? new JdwpReader(loader.Body).ReadId(node.Sizes.ObjectId) : ulong.MaxValue;
        if (loaderId == 0)
        {
            return BootstrapIdentity;
        }

        if (releases is not null && loaderId != ulong.MaxValue && await ReleaseOfLoaderAsync(node, loaderId).ConfigureAwait(false) is { } release)
        {
            if (definedBytes is not null)
            {
                // Redefined through the gateway: the bytes are at hand, and the manifest's hash names the old ones.
                return Convert.ToHexStringLower(SHA256.HashData(definedBytes));
            }

            var hashes = await releases.ClassHashesAsync(release).ConfigureAwait(false);
            if (hashes is not null && hashes.TryGetValue(signature[1..^1], out var hash))
            {
                return hash;
            }
        }

        var reply = await node.SendAsync(2, 18, typeIdBytes).ConfigureAwait(false);
        return reply.ErrorCode != 0
            ? $"unfingerprinted:{node.Index}"
            : "cp:" + Convert.ToHexString(SHA256.HashData(reply.Body));
    }

    /// <summary>Forgets a node that left: its object IDs mean nothing from now on.</summary>
    public void RemoveNode(int node)
    {
        foreach (var key in _loaderReleases.Keys.Where(k => k.Node == node))
        {
            _loaderReleases.TryRemove(key, out _);
        }

        _loaderNameFields.TryRemove(node, out _);
    }

    /// <summary>
    /// The manifest a loader object loads from when it is the fabric node's loader: it is named <c>fabric:</c> and the
    /// manifest (<c>FabricClassLoader</c>), which the node read from its own signed manifest. Asked of the node
    /// rather than taken from the registry's node list, which may lag behind a node restarted on another release.
    /// </summary>
    private Task<string?> ReleaseOfLoaderAsync(NodeLink node, ulong loaderId)
    {
        var key = (node.Index, loaderId);
        var lazy = _loaderReleases.GetOrAdd(key, _ => new Lazy<Task<string?>>(() => ReadReleaseOfLoaderAsync(node, loaderId)));
        var task = lazy.Value;
        _ = task.ContinueWith(
            _ => _loaderReleases.TryRemove(new KeyValuePair<(int, ulong), Lazy<Task<string?>>>(key, lazy)),
            CancellationToken.None,
            TaskContinuationOptions.NotOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return task;
    }

    private async Task<string?> ReadReleaseOfLoaderAsync(NodeLink node, ulong loaderId)
    {
        try
        {
            return await ReadLoaderNameAsync(node, loaderId).ConfigureAwait(false);
        }
        catch (NodeCommandException)
        {
            // The node would not say (a loader collected meanwhile, an agent that refuses a command): such a loader's
            // classes are identified by JDWP, which can only split a type in two, never merge two.
            return null;
        }
    }

    private async Task<string?> ReadLoaderNameAsync(NodeLink node, ulong loaderId)
    {
        var loaderIdBytes = new JdwpWriter().Id(loaderId, node.Sizes.ObjectId).ToArray();
        var typeReply = new JdwpReader(await node.QueryAsync(9, 1, loaderIdBytes).ConfigureAwait(false));
        typeReply.ReadByte();
        var loaderType = typeReply.ReadId(node.Sizes.ReferenceTypeId);
        var signature = new JdwpReader(await node.QueryAsync(2, 1, new JdwpWriter().Id(loaderType, node.Sizes.ReferenceTypeId).ToArray()).ConfigureAwait(false)).ReadString();
        if (signature != FabricLoaderSignature
            || await _loaderNameFields.GetOrAdd(node.Index, _ => new Lazy<Task<ulong?>>(() => ReadLoaderNameFieldAsync(node))).Value.ConfigureAwait(false) is not ulong nameField)
        {
            return null;
        }

        var values = new JdwpReader(await node.QueryAsync(9, 2, new JdwpWriter().Id(loaderId, node.Sizes.ObjectId).Int(1).Id(nameField, node.Sizes.FieldId).ToArray()).ConfigureAwait(false));
        values.ReadInt32();
        values.ReadByte();
        var nameId = values.ReadId(node.Sizes.ObjectId);
        if (nameId == 0)
        {
            return null;
        }

        var name = new JdwpReader(await node.QueryAsync(10, 1, new JdwpWriter().Id(nameId, node.Sizes.ObjectId).ToArray()).ConfigureAwait(false)).ReadString();
        return name.StartsWith(FabricLoaderNamePrefix, StringComparison.Ordinal) ? name[FabricLoaderNamePrefix.Length..] : null;
    }

    /// <summary>The field ID of <c>java.lang.ClassLoader.name</c> on a node (JDK 9 and later), read once per node.</summary>
    private static async Task<ulong?> ReadLoaderNameFieldAsync(NodeLink node)
    {
        var found = new List<(byte Tag, ulong Id)>();
        SymbolTable.ReadClassesBySignature(await node.QueryAsync(1, 2, new JdwpWriter().String("Ljava/lang/ClassLoader;").ToArray()).ConfigureAwait(false), node, found);
        if (found.Count != 1)
        {
            return null;
        }

        var fields = new JdwpReader(await node.QueryAsync(2, 4, new JdwpWriter().Id(found[0].Id, node.Sizes.ReferenceTypeId).ToArray()).ConfigureAwait(false));
        var count = fields.ReadCount(1);
        for (var i = 0; i < count; i++)
        {
            var id = fields.ReadId(node.Sizes.FieldId);
            var name = fields.ReadString();
            var signature = fields.ReadString();
            fields.ReadInt32();
            if (name == "name" && signature == "Ljava/lang/String;")
            {
                return id;
            }
        }

        return null;
    }
}
