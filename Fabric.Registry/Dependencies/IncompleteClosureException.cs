using System.Text;

namespace Fabric.Registry.Dependencies;

/// <summary>A release refers to classes that neither it, its parents nor the platform provide; it is refused so that
/// no node ever fails with NoClassDefFoundError on a published release.</summary>
public sealed class IncompleteClosureException(string release, IReadOnlyList<MissingClass> missing)
    : Exception(Describe(release, missing))
{
    public IReadOnlyList<MissingClass> Missing { get; } = missing;

    private static string Describe(string release, IReadOnlyList<MissingClass> missing)
    {
        var text = new StringBuilder($"{release} is incomplete: {missing.Count} referenced classes are missing");
        foreach (var m in missing.Take(25))
        {
            text.Append("\n  ").Append(m.ClassName).Append(", referenced by ").AppendJoin(", ", m.ReferencedBy.Take(3));
            if (m.ReferencedBy.Count > 3)
            {
                text.Append($" and {m.ReferencedBy.Count - 3} more");
            }
        }

        if (missing.Count > 25)
        {
            text.Append($"\n  and {missing.Count - 25} more");
        }

        return text.ToString();
    }
}
