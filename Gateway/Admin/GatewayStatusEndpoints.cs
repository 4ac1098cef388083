using JdwpGateway.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace JdwpGateway.Admin;

/// <summary><c>GET /healthz</c> and <c>GET /v1/nodes</c>: is the gateway up, and which nodes are behind it.</summary>
public sealed class GatewayStatusEndpoints(GatewayServer server) : IAdminEndpoints
{
    /// <summary>The gateway is connected to nodes only while a debugger is attached; until then a node is idle.</summary>
    public const string Idle = "idle";

    /// <summary>The attached debugger's session holds a live JDWP connection to the node.</summary>
    public const string Connected = "connected";

    /// <summary>The session has no live connection to the node (connecting, or retrying every nodeRetrySeconds).</summary>
    public const string Disconnected = "disconnected";

    /// <inheritdoc />
    public void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", () => Results.Text("ok\n", "text/plain; charset=utf-8"));
        endpoints.MapGet("/v1/nodes", () => Results.Json(Snapshot()));
    }

    /// <summary>The nodes present now, with their state in the active session.</summary>
    public NodesResponse Snapshot()
    {
        var session = server.ActiveSession;
        var nodes = server.Nodes.Present.Select(n => new NodeEntry(
            n.Options.Name,
            n.Options.Address,
            session is null ? Idle : session.Vm.TryGetNode(n.Index, out _) ? Connected : Disconnected));
        return new NodesResponse(session?.Name, [.. nodes]);
    }
}

/// <summary>Body of <c>GET /v1/nodes</c>.</summary>
/// <param name="Session">The attached debugger's session (<c>session#N</c>), or null when none is attached.</param>
/// <param name="Nodes">The nodes present now, in the order they first joined.</param>
public sealed record NodesResponse(string? Session, IReadOnlyList<NodeEntry> Nodes);

/// <summary>One node behind the gateway.</summary>
/// <param name="Name">The node's name.</param>
/// <param name="Address">The node's JDWP address.</param>
/// <param name="State"><c>idle</c>, <c>connected</c> or <c>disconnected</c> (see <see cref="GatewayStatusEndpoints"/>).</param>
public sealed record NodeEntry(string Name, string Address, string State);
