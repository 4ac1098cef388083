using System.Diagnostics;
using Fabric.Registry.Manifests;
using Fabric.Registry.Server.Access;
using Fabric.Registry.Server.Configuration;
using Fabric.Registry.Server.Nodes;
using Fabric.Registry.Server.Protos;
using Fabric.Registry.Server.Telemetry;
using Fabric.Registry.Signing;
using Fabric.Registry.Storage;
using Fabric.Registry.Symbols;
using Google.Protobuf;
using Grpc.Core;

namespace Fabric.Registry.Server.Grpc;

/// <summary>The gRPC half of the registry: what publishers and node agents call (Protos/registry.proto).</summary>
public sealed class RegistryGrpcService(
    IBlobStore blobs,
    IMetadataStore metadata,
    RegistryOptions options,
    AccessCheck access,
    ManifestFeed feed,
    NodeTable nodes,
    TimeProvider clock,
    RegistryInstruments instruments) : Protos.Registry.RegistryBase
{
    public override async Task<SymbolIds> FindMissingSymbols(SymbolIds request, ServerCallContext context)
    {
        Require(context, request.Namespace, Role.Read);
        var ids = request.Ids.Select(ToId).ToList();
        var missing = await metadata.FindMissingAsync(ids, context.CancellationToken).ConfigureAwait(false);
        var reply = new SymbolIds();
        reply.Ids.AddRange(ids.Where(missing.Contains).Select(ToBytes));
        return reply;
    }

    public override async Task<UploadResult> UploadSymbols(IAsyncStreamReader<UploadChunk> requestStream, ServerCallContext context)
    {
        using var activity = instruments.Source.StartActivity("fabric.registry.upload");
        var result = new UploadResult();
        UploadHeader? header = null;
        MemoryStream? buffer = null;
        var authorized = false;

        async Task FinishAsync()
        {
            if (header is null)
            {
                return;
            }

            var id = ToId(header.Id);
            if (buffer!.Length != header.Length)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"blob {id}: announced {header.Length} bytes, sent {buffer.Length}"));
            }

            buffer.Position = 0;
            try
            {
                var stored = await blobs.PutAsync(id, buffer, options.MaxBlobBytes, context.CancellationToken).ConfigureAwait(false);
                if (stored)
                {
                    result.Stored++;
                    result.BytesStored += header.Length;
                }
                else
                {
                    result.AlreadyHeld++;
                }

                instruments.Uploaded(stored, header.Length);
            }
            catch (SymbolHashMismatchException e)
            {
                instruments.VerificationFailed("hash_mismatch");
                activity?.SetStatus(ActivityStatusCode.Error, "hash mismatch");
                throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
            }
            catch (BlobTooLargeException e)
            {
                throw new RpcException(new Status(StatusCode.ResourceExhausted, e.Message));
            }

            header = null;
        }

        await foreach (var chunk in requestStream.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
        {
            if (!authorized)
            {
                Require(context, chunk.Namespace, Role.Publish);
                authorized = true;
            }

            switch (chunk.PartCase)
            {
                case UploadChunk.PartOneofCase.Header:
                    await FinishAsync().ConfigureAwait(false);
                    header = chunk.Header;
                    var id = ToId(header.Id);
                    if (header.Length < 0 || header.Length > options.MaxBlobBytes)
                    {
                        throw new RpcException(new Status(StatusCode.ResourceExhausted, $"blob {id} of {header.Length} bytes exceeds the limit of {options.MaxBlobBytes} bytes; refused"));
                    }

                    buffer = new MemoryStream((int)Math.Min(header.Length, 1 << 20));
                    break;
                case UploadChunk.PartOneofCase.Data when header is not null:
                    if (buffer!.Length + chunk.Data.Length > header.Length)
                    {
                        throw new RpcException(new Status(StatusCode.InvalidArgument, $"blob {ToId(header.Id)}: more bytes than the announced {header.Length}"));
                    }

                    chunk.Data.WriteTo(buffer);
                    break;
                default:
                    throw new RpcException(new Status(StatusCode.InvalidArgument, "each blob starts with a header chunk"));
            }
        }

        await FinishAsync().ConfigureAwait(false);
        activity?.SetTag("fabric.symbols.stored", result.Stored);
        activity?.SetTag("fabric.symbols.already_held", result.AlreadyHeld);
        activity?.SetTag("fabric.bytes.stored", result.BytesStored);
        return result;
    }

    public override async Task<RecordResult> RecordSymbols(SymbolRecords request, ServerCallContext context)
    {
        Require(context, request.Namespace, Role.Publish);
        var records = new List<SymbolRecord>(request.Symbols.Count);
        foreach (var s in request.Symbols)
        {
            var id = ToId(s.Id);
            if (s.Kind is not ((int)SymbolKind.Class or (int)SymbolKind.Resource) || string.IsNullOrEmpty(s.Name))
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"symbol {id}: kind must be 1 or 2 and a name is required"));
            }

            if (!await blobs.ContainsAsync(id, context.CancellationToken).ConfigureAwait(false))
            {
                throw new RpcException(new Status(StatusCode.FailedPrecondition, $"symbol {id} cannot be recorded: its blob is not held (upload it first)"));
            }

            records.Add(new SymbolRecord(id, (SymbolKind)s.Kind, s.Name, s.Length, [.. s.References]));
        }

        await metadata.RecordSymbolsAsync(records, context.CancellationToken).ConfigureAwait(false);

        // A sweep that forgot an older record of one of these may have deleted its blob after our check; sweeps finish
        // before a record returns, so one look now tells (storage's SymbolUpload rule).
        var result = new RecordResult();
        foreach (var record in records)
        {
            if (!await blobs.ContainsAsync(record.Id, context.CancellationToken).ConfigureAwait(false))
            {
                result.Vanished.Add(ToBytes(record.Id));
            }
        }

        return result;
    }

    public override async Task GetSymbols(SymbolIds request, IServerStreamWriter<SymbolBlob> responseStream, ServerCallContext context)
    {
        Require(context, request.Namespace, Role.Read);
        using var activity = instruments.Source.StartActivity("fabric.registry.get_symbols");
        activity?.SetTag("fabric.route", "grpc");
        activity?.SetTag("fabric.symbols.requested", request.Ids.Count);
        foreach (var raw in request.Ids)
        {
            var started = Stopwatch.GetTimestamp();
            var id = ToId(raw);
            var reply = new SymbolBlob { Id = raw };
            var stream = await blobs.OpenReadAsync(id, context.CancellationToken).ConfigureAwait(false);
            if (stream is null)
            {
                reply.Missing = true;
            }
            else
            {
                await using (stream.ConfigureAwait(false))
                {
                    reply.Content = await ByteString.FromStreamAsync(stream, context.CancellationToken).ConfigureAwait(false);
                }
            }

            await responseStream.WriteAsync(reply, context.CancellationToken).ConfigureAwait(false);
            instruments.BlobRead(grpc: true, hit: !reply.Missing, reply.Content.Length, started);
        }
    }

    public override async Task<PublishResult> PublishManifest(SignedManifest request, ServerCallContext context)
    {
        using var activity = instruments.Source.StartActivity("fabric.registry.publish");
        activity?.SetTag("fabric.manifest", request.Name);
        ManifestName name;
        try
        {
            name = ParseName(request.Name);
            Require(context, name.Namespace, Role.Publish);
        }
        catch (RpcException e)
        {
            instruments.Published("refused", e.StatusCode == StatusCode.InvalidArgument ? "invalid" : "access");
            activity?.SetStatus(ActivityStatusCode.Error, e.Status.Detail);
            throw;
        }

        var stored = new StoredManifest(name, request.Canonical.ToByteArray(), request.Signature.ToByteArray(), request.KeyId, clock.GetUtcNow());
        try
        {
            ManifestText.Parse(stored.CanonicalBytes);
            options.Namespaces[name.Namespace].Trust.Verify(stored);
            var outcome = await metadata.PublishManifestAsync(stored, context.CancellationToken).ConfigureAwait(false);
            if (outcome == PublishOutcome.Published)
            {
                feed.Published(stored);
            }

            instruments.Published(outcome == PublishOutcome.Published ? "published" : "already_published");
            return new PublishResult { AlreadyPublished = outcome == PublishOutcome.AlreadyPublished };
        }
        catch (Exception e) when (e is FormatException or ArgumentException or ManifestSignatureException)
        {
            if (e is ManifestSignatureException)
            {
                instruments.VerificationFailed("signature");
            }

            Refused(activity, e is ManifestSignatureException ? "signature" : "invalid", e);
            throw new RpcException(new Status(e is ManifestSignatureException ? StatusCode.PermissionDenied : StatusCode.InvalidArgument, e.Message));
        }
        catch (ManifestIncompleteException e)
        {
            Refused(activity, "incomplete", e);
            throw new RpcException(new Status(StatusCode.FailedPrecondition, e.Message));
        }
        catch (ManifestConflictException e)
        {
            Refused(activity, "conflict", e);
            throw new RpcException(new Status(StatusCode.AlreadyExists, e.Message));
        }
    }

    public override async Task<SignedManifest> GetManifest(ManifestRef request, ServerCallContext context)
    {
        var name = ParseName(request.Name);
        Require(context, name.Namespace, Role.Read);
        var stored = await metadata.GetManifestAsync(name, context.CancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"{name} is not published"));
        return ToMessage(stored);
    }

    public override async Task WatchManifests(WatchManifestsRequest request, IServerStreamWriter<SignedManifest> responseStream, ServerCallContext context)
    {
        var ns = string.IsNullOrEmpty(request.Namespace) ? ManifestName.DefaultNamespace : request.Namespace;
        Require(context, ns, Role.Read);
        var reader = feed.Watch(ns, context.CancellationToken);
        await foreach (var manifest in reader.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
        {
            await responseStream.WriteAsync(ToMessage(manifest), context.CancellationToken).ConfigureAwait(false);
        }
    }

    public override Task<Empty> RegisterNode(NodeLease request, ServerCallContext context)
    {
        RequireNodeAccess(context, request.Manifest);
        if (!NodeTable.IsValidName(request.Node) || request.LeaseSeconds <= 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "node must be 1-128 characters of A-Z a-z 0-9 . _ - and lease_seconds positive"));
        }

        if (NodeTable.Problem(request.Jdwp, request.Manifest, request.Started, request.LeaseSeconds) is { } problem)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, problem));
        }

        nodes.Register(request.Node, request.Jdwp, request.Manifest, request.Started, TimeSpan.FromSeconds(request.LeaseSeconds));
        return Task.FromResult(new Empty());
    }

    public override Task<Empty> ReportLoaded(LoadedReport request, ServerCallContext context)
    {
        RequireNodeAccess(context, null);
        if (!nodes.CanHoldMoreLoaded(request.Node, request.Ids.Count))
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"a node's loaded report holds at most {NodeTable.MaxLoadedPerNode} IDs"));
        }

        return nodes.ReportLoaded(request.Node, request.Ids.Select(ToId))
            ? Task.FromResult(new Empty())
            : throw new RpcException(new Status(StatusCode.NotFound, $"node {request.Node} is not registered"));
    }

    public override Task<Empty> LeaveNode(NodeRef request, ServerCallContext context)
    {
        RequireNodeAccess(context, null);
        nodes.Leave(request.Node);
        return Task.FromResult(new Empty());
    }

    public override async Task WatchNodes(Empty request, IServerStreamWriter<NodeEvent> responseStream, ServerCallContext context)
    {
        RequireNodeAccess(context, null);
        await foreach (var (joined, node) in nodes.Watch(context.CancellationToken).ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
        {
            await responseStream.WriteAsync(
                new NodeEvent
                {
                    Joined = joined,
                    Node = new NodeLease { Node = node.Node, Jdwp = node.Jdwp, Manifest = node.Manifest, Started = node.Started, LeaseSeconds = (int)node.Lease.TotalSeconds },
                },
                context.CancellationToken).ConfigureAwait(false);
        }
    }

    public static SignedManifest ToMessage(StoredManifest stored) => new()
    {
        Name = stored.Name.ToString(),
        Canonical = ByteString.CopyFrom(stored.CanonicalBytes),
        Signature = ByteString.CopyFrom(stored.Signature),
        KeyId = stored.KeyId,
        PublishedUnixMs = stored.PublishedAt.ToUnixTimeMilliseconds(),
    };

    private void Refused(Activity? activity, string reason, Exception e)
    {
        instruments.Published("refused", reason);
        activity?.SetStatus(ActivityStatusCode.Error, e.Message);
    }

    private static ManifestName ParseName(string text) =>
        ManifestName.TryParse(text, out var name, out var error) ? name : throw new RpcException(new Status(StatusCode.InvalidArgument, error));

    private static SymbolId ToId(ByteString raw) =>
        raw.Length == SymbolId.ByteLength ? new SymbolId(raw.Span) : throw new RpcException(new Status(StatusCode.InvalidArgument, $"a symbol ID is {SymbolId.ByteLength} bytes, not {raw.Length}"));

    private static ByteString ToBytes(SymbolId id) => ByteString.CopyFrom(id.ToBytes());

    // Nodes belong to the namespace of the manifest they run; with none named, read access anywhere suffices.
    private void RequireNodeAccess(ServerCallContext context, string? manifest)
    {
        var ns = manifest is not null && ManifestName.TryParse(manifest, out var name, out _) ? name.Namespace : null;
        Require(context, ns, Role.Read);
    }

    private void Require(ServerCallContext context, string? ns, Role role)
    {
        var http = context.GetHttpContext();
        var allowed = string.IsNullOrEmpty(ns) ? access.AllowsAny(http, role) : access.Allows(http, ns, role);
        if (!allowed)
        {
            var known = string.IsNullOrEmpty(ns) || access.IsKnownNamespace(ns);
            var anonymous = AccessCheck.TokenOf(http) is null;
            instruments.AuthRefused(grpc: true, !known ? "unknown_namespace" : anonymous ? "unauthenticated" : "forbidden");
            throw new RpcException(known
                ? new Status(AccessCheck.TokenOf(http) is null ? StatusCode.Unauthenticated : StatusCode.PermissionDenied, $"{role.ToString().ToLowerInvariant()} access{(string.IsNullOrEmpty(ns) ? string.Empty : $" to namespace {ns}")} refused")
                : new Status(StatusCode.NotFound, $"namespace {ns} is not configured"));
        }
    }
}
