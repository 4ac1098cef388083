using System.Runtime.CompilerServices;
using Fabric.Registry.Manifests;
using Fabric.Registry.Server.Protos;
using Fabric.Registry.Storage;
using Fabric.Registry.Symbols;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Fabric.Cli;

/// <summary>
/// A remote registry seen through the storage interfaces, so the same <see cref="Fabric.Registry.Publishing.Publisher"/>
/// publishes locally or over gRPC. It is a publisher's view: listing, deleting and collecting are the server's own
/// business and are not offered remotely.
/// </summary>
public sealed class GrpcRegistryStore : IBlobStore, IMetadataStore, IDisposable
{
    private const int ChunkBytes = 256 * 1024;
    private readonly GrpcChannel _channel;
    private readonly Fabric.Registry.Server.Protos.Registry.RegistryClient _client;
    private readonly Metadata _headers = [];
    private readonly string _namespace;

    // Recorded symbols whose blobs the server confirmed after recording: the publisher's post-record check of each
    // is answered from here instead of one round trip per symbol.
    private readonly HashSet<SymbolId> _confirmed = [];

    // Recorded symbols whose blobs were gone right after recording: not held, whatever the records say.
    private readonly HashSet<SymbolId> _vanished = [];

    public GrpcRegistryStore(Uri address, string? token, string ns)
    {
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxReceiveMessageSize = 256 * 1024 * 1024 });
        _client = new Fabric.Registry.Server.Protos.Registry.RegistryClient(_channel);
        _namespace = ns;
        if (token is not null)
        {
            _headers.Add("authorization", $"Bearer {token}");
        }
    }

    public Fabric.Registry.Server.Protos.Registry.RegistryClient Client => _client;

    public Metadata Headers => _headers;

    public async Task<bool> ContainsAsync(SymbolId id, CancellationToken cancellationToken = default) =>
        !_vanished.Contains(id)
        && (_confirmed.Contains(id) || (await FindMissingAsync([id], cancellationToken).ConfigureAwait(false)).Count == 0);

    public async Task<bool> PutAsync(SymbolId id, Stream content, long maxLength, CancellationToken cancellationToken = default)
    {
        using var bytes = new MemoryStream();
        await content.CopyToAsync(bytes, cancellationToken).ConfigureAwait(false);
        using var call = _client.UploadSymbols(_headers, cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new UploadChunk { Namespace = _namespace, Header = new UploadHeader { Id = ByteString.CopyFrom(id.ToBytes()), Length = bytes.Length } }, cancellationToken).ConfigureAwait(false);
        var buffer = bytes.GetBuffer();
        for (var offset = 0; offset < bytes.Length; offset += ChunkBytes)
        {
            var count = (int)Math.Min(ChunkBytes, bytes.Length - offset);
            await call.RequestStream.WriteAsync(new UploadChunk { Data = ByteString.CopyFrom(buffer, offset, count) }, cancellationToken).ConfigureAwait(false);
        }

        await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        var result = await call.ResponseAsync.ConfigureAwait(false);
        return result.Stored > 0;
    }

    public async Task<Stream?> OpenReadAsync(SymbolId id, CancellationToken cancellationToken = default)
    {
        var request = new SymbolIds { Namespace = _namespace };
        request.Ids.Add(ByteString.CopyFrom(id.ToBytes()));
        using var call = _client.GetSymbols(request, _headers, cancellationToken: cancellationToken);
        await foreach (var blob in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            return blob.Missing ? null : new MemoryStream(blob.Content.ToByteArray(), writable: false);
        }

        return null;
    }

    public IAsyncEnumerable<StoredBlob> ListAsync(CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("listing blobs is not offered over gRPC; run 'fabric verify' on the registry host");

    public Task<bool> DeleteAsync(SymbolId id, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("deleting blobs is not offered over gRPC; run 'fabric gc' on the registry host");

    public async Task RecordSymbolsAsync(IReadOnlyCollection<SymbolRecord> symbols, CancellationToken cancellationToken = default)
    {
        foreach (var batch in symbols.Chunk(2000))
        {
            var request = new SymbolRecords { Namespace = _namespace };
            request.Symbols.AddRange(batch.Select(s =>
            {
                var message = new SymbolRecordMessage { Id = ByteString.CopyFrom(s.Id.ToBytes()), Kind = (int)s.Kind, Name = s.Name, Length = s.Length };
                message.References.AddRange(s.References);
                return message;
            }));
            var reply = await _client.RecordSymbolsAsync(request, _headers, cancellationToken: cancellationToken).ConfigureAwait(false);
            var vanished = reply.Vanished.Select(b => new SymbolId(b.Span)).ToHashSet();
            _confirmed.UnionWith(batch.Select(s => s.Id).Where(id => !vanished.Contains(id)));
            _confirmed.ExceptWith(vanished);
            _vanished.ExceptWith(batch.Select(s => s.Id));
            _vanished.UnionWith(vanished);
        }
    }

    public Task<SymbolRecord?> GetSymbolAsync(SymbolId id, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("symbol records are not offered over gRPC");

    public async Task<IReadOnlySet<SymbolId>> FindMissingAsync(IReadOnlyCollection<SymbolId> ids, CancellationToken cancellationToken = default)
    {
        var missing = new HashSet<SymbolId>();
        foreach (var batch in ids.Chunk(5000))
        {
            var request = new SymbolIds { Namespace = _namespace };
            request.Ids.AddRange(batch.Select(id => ByteString.CopyFrom(id.ToBytes())));
            var reply = await _client.FindMissingSymbolsAsync(request, _headers, cancellationToken: cancellationToken).ConfigureAwait(false);
            missing.UnionWith(reply.Ids.Select(b => new SymbolId(b.Span)));
        }

        return missing;
    }

    public async Task<PublishOutcome> PublishManifestAsync(StoredManifest manifest, CancellationToken cancellationToken = default)
    {
        try
        {
            var reply = await _client.PublishManifestAsync(
                new SignedManifest { Name = manifest.Name.ToString(), Canonical = ByteString.CopyFrom(manifest.CanonicalBytes), Signature = ByteString.CopyFrom(manifest.Signature), KeyId = manifest.KeyId },
                _headers,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            return reply.AlreadyPublished ? PublishOutcome.AlreadyPublished : PublishOutcome.Published;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
        {
            throw new ManifestConflictException(manifest.Name);
        }
    }

    public async Task<StoredManifest?> GetManifestAsync(ManifestName name, CancellationToken cancellationToken = default)
    {
        try
        {
            var reply = await _client.GetManifestAsync(new ManifestRef { Name = name.ToString() }, _headers, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new StoredManifest(name, reply.Canonical.ToByteArray(), reply.Signature.ToByteArray(), reply.KeyId, DateTimeOffset.FromUnixTimeMilliseconds(reply.PublishedUnixMs));
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
    }

    public async IAsyncEnumerable<ManifestName> ListManifestsAsync(string? @namespace = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        throw new NotSupportedException("listing manifests is not offered over gRPC");
#pragma warning disable CS0162 // an iterator needs a yield
        yield break;
#pragma warning restore CS0162
    }

    public Task<IReadOnlySet<SymbolId>> GetReferencedSymbolsAsync(CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("the garbage collector runs on the registry host");

    public Task ForgetSymbolsAsync(IReadOnlyCollection<SymbolId> ids, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("the garbage collector runs on the registry host");

    public Task<IReadOnlySet<SymbolId>> GetProtectedSymbolsAsync(DateTimeOffset since, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("the garbage collector runs on the registry host");

    public Task<IReadOnlySet<SymbolId>> ForgetUnreferencedSymbolsAsync(IReadOnlyCollection<SymbolId> ids, DateTimeOffset storedBefore, Func<IReadOnlySet<SymbolId>, CancellationToken, Task> deleteBlobs, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("the garbage collector runs on the registry host");

    public void Dispose() => _channel.Dispose();
}
