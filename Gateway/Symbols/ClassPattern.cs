using System.Text.RegularExpressions;

namespace JdwpGateway.Symbols;

/// <summary>
/// The <c>class</c> filter of <c>jdwp-gateway symbols</c> and <c>GET /v1/symbols</c>: a prefix of the Java class name
/// (<c>com.shop.</c>), or a glob when it holds <c>*</c> or <c>?</c> (<c>com.shop.*Service</c>, <c>*$Bundle</c>).
/// Slashes are read as dots, so internal names (<c>com/shop/Main</c>) work too. Globs match without backtracking, so
/// no pattern can make a request slow.
/// </summary>
public sealed class ClassPattern
{
    private readonly string? _prefix;
    private readonly Regex? _glob;

    private ClassPattern(string? prefix, Regex? glob)
    {
        _prefix = prefix;
        _glob = glob;
    }

    /// <summary>Matches every class.</summary>
    public static ClassPattern All { get; } = new(string.Empty, null);

    /// <summary>The pattern for <paramref name="text"/>; null or empty matches every class.</summary>
    public static ClassPattern Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return All;
        }

        var dotted = text.Replace('/', '.');
        if (dotted.IndexOfAny(['*', '?']) < 0)
        {
            return new ClassPattern(dotted, null);
        }

        var regex = "^" + Regex.Escape(dotted).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$";
        return new ClassPattern(null, new Regex(regex, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking));
    }

    /// <summary>True when the Java class name (<c>com.shop.Main</c>) matches.</summary>
    public bool Matches(string className) =>
        _glob?.IsMatch(className) ?? className.StartsWith(_prefix!, StringComparison.Ordinal);
}
