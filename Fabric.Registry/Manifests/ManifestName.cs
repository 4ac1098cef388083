using System.Diagnostics.CodeAnalysis;

namespace Fabric.Registry.Manifests;

/// <summary>
/// <c>namespace/name:tag</c>. The namespace may be left out when parsing (<c>name:tag</c> means
/// <c>default/name:tag</c>). Each part is 1-128 characters of <c>[A-Za-z0-9._-]</c>, so a name is safe in a URL path,
/// a file name and the manifest text format alike.
/// </summary>
public sealed record ManifestName(string Namespace, string Name, string Tag)
{
    public const string DefaultNamespace = "default";

    public static ManifestName Parse(string text) =>
        TryParse(text, out var name, out var error) ? name : throw new FormatException(error);

    public static bool TryParse(string text, [NotNullWhen(true)] out ManifestName? name, [NotNullWhen(false)] out string? error)
    {
        name = null;
        var colon = text.LastIndexOf(':');
        if (colon < 0)
        {
            error = $"'{text}' is not a manifest name: expected [namespace/]name:tag";
            return false;
        }

        var path = text[..colon];
        var tag = text[(colon + 1)..];
        var slash = path.IndexOf('/');
        var ns = slash < 0 ? DefaultNamespace : path[..slash];
        var bare = slash < 0 ? path : path[(slash + 1)..];
        foreach (var (part, what) in new[] { (ns, "namespace"), (bare, "name"), (tag, "tag") })
        {
            if (!IsValidPart(part))
            {
                error = $"'{text}' is not a manifest name: the {what} '{part}' must be 1-128 characters of A-Z a-z 0-9 . _ -";
                return false;
            }
        }

        name = new ManifestName(ns, bare, tag);
        error = null;
        return true;
    }

    public static bool IsValidPart(string part) =>
        part.Length is > 0 and <= 128
        && part is not "." and not ".."
        && part.All(c => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '-');

    public override string ToString() => $"{Namespace}/{Name}:{Tag}";
}
