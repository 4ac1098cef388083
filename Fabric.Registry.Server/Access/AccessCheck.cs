using Fabric.Registry.Server.Configuration;
using Microsoft.AspNetCore.Http;

namespace Fabric.Registry.Server.Access;

/// <summary>Decides from the <c>Authorization: Bearer</c> header (HTTP and gRPC alike) what a request may do.</summary>
public sealed class AccessCheck(RegistryOptions options)
{
    public static string? TokenOf(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..].Trim() : null;
    }

    public bool Allows(HttpContext context, string ns, Role role) => options.RolesOf(ns, TokenOf(context)).HasFlag(role);

    /// <summary>Whether any namespace grants the role (for symbols, which belong to no single namespace).</summary>
    public bool AllowsAny(HttpContext context, Role role)
    {
        var token = TokenOf(context);
        return options.Namespaces.Keys.Any(ns => options.RolesOf(ns, token).HasFlag(role));
    }

    public bool IsKnownNamespace(string ns) => options.Namespaces.ContainsKey(ns);
}
