using System.Net;

namespace JdwpGateway.Routing.Config;

/// <summary>
/// The gateway's admin HTTP listener (nodes, symbols, health; docs/configuration.md "Admin listener"). It has no
/// authentication, so it listens on loopback unless <see cref="AllowRemote"/> says otherwise.
/// </summary>
public sealed record AdminOptions
{
    /// <summary>Address of the admin listener, <c>host:port</c>. Default <c>127.0.0.1:5080</c>; port 0 picks a free port.</summary>
    public string Listen { get; init; } = "127.0.0.1:5080";

    /// <summary>Allows a non-loopback <see cref="Listen"/> address. Default false: anyone who can connect sees node addresses.</summary>
    public bool AllowRemote { get; init; }

    /// <summary>Parses <see cref="Listen"/>.</summary>
    public IPEndPoint ListenEndPoint => NodeOptions.ParseEndPoint(Listen, "admin listen");

    /// <summary>Lists problems with these settings.</summary>
    public IReadOnlyList<string> Validate()
    {
        IPEndPoint endPoint;
        try
        {
            endPoint = ListenEndPoint;
        }
        catch (FormatException ex)
        {
            return [ex.Message];
        }

        return IPAddress.IsLoopback(endPoint.Address) || AllowRemote
            ? []
            : [$"admin listen '{Listen}' is not a loopback address: the admin listener has no authentication; set 'admin: {{ allowRemote: true }}' (or --admin-allow-remote) to serve it there anyway"];
    }
}
