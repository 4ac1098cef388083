using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Fabric.Registry.Dependencies;
using Fabric.Registry.Manifests;
using Fabric.Registry.Server.Access;
using Fabric.Registry.Server.Dependencies;
using Fabric.Registry.Server.Configuration;
using Fabric.Registry.Server.Nodes;
using Fabric.Registry.Server.Telemetry;
using Fabric.Registry.Storage;
using Fabric.Registry.Symbols;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Fabric.Registry.Server.Http;

/// <summary>The plain HTTP endpoints of docs/fabric.md, for clients with nothing but an HTTP client (the node agent).</summary>
public static class RegistryHttpEndpoints
{
    private const string Immutable = "public, max-age=31536000, immutable";
    private const int MaxBatchIds = 10_000;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapMethods("/v1/blobs/{id}", ["GET", "HEAD"], GetBlobAsync);
        app.MapPost("/v1/blobs/batch", GetBatchAsync);
        app.MapGet("/v1/manifests/{ns}/{name}/{tag}", GetManifestAsync);
        app.MapGet("/v1/manifests/{ns}/{name}/{tag}/closure", GetClosureAsync);
        app.MapPut("/v1/nodes/{node}", PutNodeAsync);
        app.MapPost("/v1/nodes/{node}/loaded", PostLoadedAsync);
        app.MapDelete("/v1/nodes/{node}", (string node, HttpContext http, NodeTable nodes, AccessCheck access) =>
        {
            if (!access.AllowsAny(http, Role.Read))
            {
                return Refused(http);
            }

            nodes.Leave(node);
            return Results.Ok();
        });
        app.MapGet("/v1/nodes", (HttpContext http, NodeTable nodes, AccessCheck access) =>
        {
            if (!access.AllowsAny(http, Role.Read))
            {
                return Refused(http);
            }

            var text = new StringBuilder();
            foreach (var n in nodes.Live())
            {
                text.Append(n.Node).Append('\t').Append(n.Jdwp).Append('\t').Append(n.Manifest).Append('\t').Append(n.Started).Append('\n');
            }

            return Results.Text(text.ToString(), "text/plain; charset=utf-8");
        });
        app.MapGet("/v1/nodes/{node}/loaded", (string node, HttpContext http, NodeTable nodes, AccessCheck access) =>
        {
            if (!access.AllowsAny(http, Role.Read))
            {
                return Refused(http);
            }

            var loaded = nodes.Loaded(node);
            return loaded is null
                ? Results.Text($"node {node} is not registered\n", statusCode: 404)
                : Results.Text(string.Concat(loaded.Select(id => id + "\n")), "text/plain; charset=utf-8");
        });
    }

    private static async Task GetBlobAsync(string id, HttpContext http, IBlobStore blobs, AccessCheck access, RegistryInstruments instruments)
    {
        if (!access.AllowsAny(http, Role.Read))
        {
            await Refused(http).ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        if (!SymbolId.TryParse(id, out var symbol))
        {
            await Results.Text($"'{Shown(id)}' is not a symbol ID (64 hex digits)\n", statusCode: 400).ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var etag = $"\"{symbol}\"";
        var response = http.Response;
        if (http.Request.Headers.IfNoneMatch.ToString() == etag)
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            response.Headers.ETag = etag;
            instruments.BlobRead(grpc: false, hit: true, 0, started);
            return;
        }

        var stream = await blobs.OpenReadAsync(symbol, http.RequestAborted).ConfigureAwait(false);
        if (stream is null)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            instruments.BlobRead(grpc: false, hit: false, 0, started);
            return;
        }

        long sent = 0;
        await using (stream.ConfigureAwait(false))
        {
            response.ContentType = "application/octet-stream";
            response.Headers.CacheControl = Immutable;
            response.Headers.ETag = etag;
            if (stream.CanSeek)
            {
                response.ContentLength = stream.Length;
            }

            if (!HttpMethods.IsHead(http.Request.Method))
            {
                sent = await CopyCountingAsync(stream, response.Body, http.RequestAborted).ConfigureAwait(false);
            }
        }

        instruments.BlobRead(grpc: false, hit: true, sent, started);
    }

    private static async Task GetBatchAsync(HttpContext http, IBlobStore blobs, AccessCheck access, RegistryInstruments instruments)
    {
        if (!access.AllowsAny(http, Role.Read))
        {
            await Refused(http).ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        var ids = new List<SymbolId>();
        using (var reader = new StreamReader(http.Request.Body, Encoding.ASCII))
        {
            while (await reader.ReadLineAsync(http.RequestAborted).ConfigureAwait(false) is { } line)
            {
                if (line.Length == 0)
                {
                    continue;
                }

                if (!SymbolId.TryParse(line, out var id) || ids.Count >= MaxBatchIds)
                {
                    await Results.Text(ids.Count >= MaxBatchIds ? $"at most {MaxBatchIds} IDs per batch\n" : $"'{Shown(line)}' is not a symbol ID (64 hex digits)\n", statusCode: 400)
                        .ExecuteAsync(http).ConfigureAwait(false);
                    return;
                }

                ids.Add(id);
            }
        }

        using var activity = instruments.Source.StartActivity("fabric.registry.get_symbols");
        activity?.SetTag("fabric.route", "http");
        activity?.SetTag("fabric.symbols.requested", ids.Count);
        http.Response.ContentType = "application/octet-stream";
        var head = new byte[SymbolId.ByteLength + 4];
        foreach (var id in ids)
        {
            var started = Stopwatch.GetTimestamp();
            id.CopyTo(head);
            var stream = await blobs.OpenReadAsync(id, http.RequestAborted).ConfigureAwait(false);
            if (stream is null)
            {
                BinaryPrimitives.WriteInt32BigEndian(head.AsSpan(SymbolId.ByteLength), -1);
                await http.Response.Body.WriteAsync(head, http.RequestAborted).ConfigureAwait(false);
                instruments.BlobRead(grpc: false, hit: false, 0, started);
                continue;
            }

            await using (stream.ConfigureAwait(false))
            {
                using var bytes = new MemoryStream();
                await stream.CopyToAsync(bytes, http.RequestAborted).ConfigureAwait(false);
                BinaryPrimitives.WriteInt32BigEndian(head.AsSpan(SymbolId.ByteLength), checked((int)bytes.Length));
                await http.Response.Body.WriteAsync(head, http.RequestAborted).ConfigureAwait(false);
                await http.Response.Body.WriteAsync(bytes.GetBuffer().AsMemory(0, (int)bytes.Length), http.RequestAborted).ConfigureAwait(false);
                instruments.BlobRead(grpc: false, hit: true, bytes.Length, started);
            }
        }
    }

    private static async Task<long> CopyCountingAsync(Stream from, Stream to, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            long total = 0;
            int read;
            while ((read = await from.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                total += read;
            }

            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task<IResult> GetManifestAsync(string ns, string name, string tag, HttpContext http, IMetadataStore metadata, AccessCheck access)
    {
        if (!TryName(ns, name, tag, out var manifestName, out var bad))
        {
            return bad;
        }

        if (!access.Allows(http, ns, Role.Read))
        {
            return Refused(http);
        }

        var stored = await metadata.GetManifestAsync(manifestName, http.RequestAborted).ConfigureAwait(false);
        if (stored is null)
        {
            return Results.Text($"{manifestName} is not published\n", statusCode: 404);
        }

        http.Response.Headers["X-Fabric-Signature"] = Convert.ToBase64String(stored.Signature);
        http.Response.Headers["X-Fabric-Key-Id"] = stored.KeyId;
        http.Response.Headers.CacheControl = Immutable;
        http.Response.Headers.ETag = $"\"{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stored.CanonicalBytes))}\"";
        return Results.Bytes(stored.CanonicalBytes, "text/plain; charset=utf-8");
    }

    private static async Task<IResult> GetClosureAsync(string ns, string name, string tag, HttpContext http, ReleaseGraphCache graph, AccessCheck access)
    {
        if (!TryName(ns, name, tag, out var manifestName, out var bad))
        {
            return bad;
        }

        if (!access.Allows(http, ns, Role.Read))
        {
            return Refused(http);
        }

        var root = http.Request.Query["class"].ToString();
        if (root.Length == 0)
        {
            return Results.Text("the query parameter 'class' (internal name, e.g. com/app/Main) is required\n", statusCode: 400);
        }

        ManifestChain chain;
        try
        {
            chain = await graph.ChainAsync(manifestName, http.RequestAborted).ConfigureAwait(false);
        }
        catch (ManifestChainException e)
        {
            return Results.Text(e.Message + "\n", statusCode: 404);
        }

        var closure = await graph.ClosureAsync(chain, root, http.RequestAborted).ConfigureAwait(false);
        return closure.Count == 0
            ? Results.Text($"{manifestName} has no class {root}\n", statusCode: 404)
            : Results.Bytes(ClassClosure.ToText(closure), "text/plain; charset=utf-8");
    }

    private static async Task<IResult> PutNodeAsync(string node, HttpContext http, NodeTable nodes, AccessCheck access)
    {
        if (!access.AllowsAny(http, Role.Read))
        {
            return Refused(http);
        }

        if (!NodeTable.IsValidName(node))
        {
            return Results.Text($"'{node}' is not a node name (1-128 characters of A-Z a-z 0-9 . _ -)\n", statusCode: 400);
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var reader = new StreamReader(http.Request.Body, Encoding.UTF8))
        {
            while (await reader.ReadLineAsync(http.RequestAborted).ConfigureAwait(false) is { } line)
            {
                var tab = line.IndexOf('\t');
                if (line.Length > 0 && tab > 0)
                {
                    fields[line[..tab]] = line[(tab + 1)..];
                }
                else if (line.Length > 0)
                {
                    return Results.Text($"'{Shown(line)}' is not a key<TAB>value line\n", statusCode: 400);
                }
            }
        }

        var missing = new[] { "jdwp", "manifest", "started", "lease" }.Where(k => !fields.ContainsKey(k)).ToList();
        if (missing.Count > 0)
        {
            return Results.Text($"missing: {string.Join(", ", missing)}\n", statusCode: 400);
        }

        if (!int.TryParse(fields["lease"], NumberStyles.None, CultureInfo.InvariantCulture, out var lease) || lease <= 0)
        {
            return Results.Text($"lease '{Shown(fields["lease"])}' must be a positive number of seconds\n", statusCode: 400);
        }

        if (NodeTable.Problem(fields["jdwp"], fields["manifest"], fields["started"], lease) is { } problem)
        {
            return Results.Text(problem + "\n", statusCode: 400);
        }

        nodes.Register(node, fields["jdwp"], fields["manifest"], fields["started"], TimeSpan.FromSeconds(lease));
        return Results.Ok();
    }

    private static async Task<IResult> PostLoadedAsync(string node, HttpContext http, NodeTable nodes, AccessCheck access)
    {
        if (!access.AllowsAny(http, Role.Read))
        {
            return Refused(http);
        }

        var ids = new List<SymbolId>();
        using (var reader = new StreamReader(http.Request.Body, Encoding.ASCII))
        {
            while (await reader.ReadLineAsync(http.RequestAborted).ConfigureAwait(false) is { } line)
            {
                if (line.Length == 0)
                {
                    continue;
                }

                if (!SymbolId.TryParse(line, out var id))
                {
                    return Results.Text($"'{Shown(line)}' is not a symbol ID\n", statusCode: 400);
                }

                ids.Add(id);
                if (ids.Count > NodeTable.MaxLoadedPerNode)
                {
                    break;
                }
            }
        }

        if (!nodes.CanHoldMoreLoaded(node, ids.Count))
        {
            return Results.Text($"a node's loaded report holds at most {NodeTable.MaxLoadedPerNode} IDs\n", statusCode: 413);
        }

        return nodes.ReportLoaded(node, ids) ? Results.Ok() : Results.Text($"node {node} is not registered\n", statusCode: 404);
    }

    private static bool TryName(string ns, string name, string tag, out ManifestName manifestName, out IResult bad)
    {
        if (ManifestName.TryParse($"{ns}/{name}:{tag}", out var parsed, out var error) && parsed.Namespace == ns)
        {
            manifestName = parsed;
            bad = Results.Ok();
            return true;
        }

        manifestName = null!;
        bad = Results.Text((error ?? "bad manifest name") + "\n", statusCode: 400);
        return false;
    }

    /// <summary>Bad input quoted in an answer, cut short: a 30 MB line must not come back as a 30 MB error.</summary>
    private static string Shown(string text) => text.Length <= 80 ? text : string.Concat(text.AsSpan(0, 80), "...");

    private static IResult Refused(HttpContext http)
    {
        var anonymous = AccessCheck.TokenOf(http) is null;
        http.RequestServices.GetRequiredService<RegistryInstruments>().AuthRefused(grpc: false, anonymous ? "unauthenticated" : "forbidden");
        return anonymous
            ? Results.Text("authentication required: Authorization: Bearer TOKEN\n", statusCode: 401)
            : Results.Text("this token may not do that\n", statusCode: 403);
    }
}
