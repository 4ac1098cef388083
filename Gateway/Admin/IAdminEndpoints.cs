using Microsoft.AspNetCore.Routing;

namespace JdwpGateway.Admin;

/// <summary>
/// A group of admin HTTP endpoints. This is how features add routes to the admin listener: register an implementation
/// as a singleton <see cref="IAdminEndpoints"/> in <see cref="Cli.GatewayHost"/> and <see cref="AdminListener"/> maps
/// it when it starts.
/// </summary>
public interface IAdminEndpoints
{
    /// <summary>Maps this group's routes.</summary>
    void Map(IEndpointRouteBuilder endpoints);
}
