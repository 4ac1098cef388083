namespace Fabric.Registry.Dependencies;

/// <summary>
/// Which classes each class of a release refers to. Answers the two questions publishing asks: what is referenced but
/// not held (<see cref="FindMissing"/>) and which top-level classes form dependency cycles (<see cref="FindCycles"/>).
/// </summary>
public sealed class DependencyGraph
{
    private readonly Dictionary<string, IReadOnlyList<string>> _references;

    public DependencyGraph(IEnumerable<KeyValuePair<string, IReadOnlyList<string>>> classes)
    {
        _references = new Dictionary<string, IReadOnlyList<string>>(classes, StringComparer.Ordinal);
    }

    public IReadOnlyCollection<string> Classes => _references.Keys;

    public bool Contains(string className) => _references.ContainsKey(className);

    public IReadOnlyList<string> ReferencesOf(string className) =>
        _references.TryGetValue(className, out var refs) ? refs : [];

    /// <summary>Every referenced class neither in this graph nor <paramref name="providedElsewhere"/> (parents,
    /// platform), with its referrers; sorted by name.</summary>
    public IReadOnlyList<MissingClass> FindMissing(Func<string, bool> providedElsewhere)
    {
        var missing = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var (name, refs) in _references)
        {
            foreach (var reference in refs)
            {
                if (_references.ContainsKey(reference))
                {
                    continue;
                }

                if (missing.TryGetValue(reference, out var referrers))
                {
                    referrers.Add(name);
                }
                else if (!providedElsewhere(reference))
                {
                    missing.Add(reference, new SortedSet<string>(StringComparer.Ordinal) { name });
                }
            }
        }

        return missing.Select(m => new MissingClass(m.Key, [.. m.Value])).ToList();
    }

    /// <summary>
    /// Strongly connected components of the graph of top-level classes (a class and its nested classes are one node,
    /// since nest mates always refer to each other) with more than one member: groups that can only be loaded, split
    /// into forks or replaced together. Largest first. Iterative Tarjan, so deep graphs cannot overflow the stack.
    /// </summary>
    public IReadOnlyList<DependencyCycle> FindCycles()
    {
        var groups = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var (name, refs) in _references)
        {
            var from = TopLevel(name);
            if (!groups.TryGetValue(from, out var edges))
            {
                groups[from] = edges = new HashSet<string>(StringComparer.Ordinal);
            }

            foreach (var reference in refs)
            {
                if (_references.ContainsKey(reference) && TopLevel(reference) is var to && to != from)
                {
                    edges.Add(to);
                }
            }
        }

        var nodes = groups.Keys.Order(StringComparer.Ordinal).ToArray();
        var indexOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < nodes.Length; i++)
        {
            indexOf[nodes[i]] = i;
        }

        var successors = nodes.Select(n => groups[n].Select(t => indexOf[t]).Order().ToArray()).ToArray();
        var index = new int[nodes.Length];
        var low = new int[nodes.Length];
        var onStack = new bool[nodes.Length];
        Array.Fill(index, -1);
        var stack = new Stack<int>();
        var work = new Stack<(int Node, int Next)>();
        var counter = 0;
        var cycles = new List<DependencyCycle>();
        for (var root = 0; root < nodes.Length; root++)
        {
            if (index[root] >= 0)
            {
                continue;
            }

            work.Push((root, 0));
            index[root] = low[root] = counter++;
            stack.Push(root);
            onStack[root] = true;
            while (work.Count > 0)
            {
                var (node, next) = work.Pop();
                if (next < successors[node].Length)
                {
                    work.Push((node, next + 1));
                    var successor = successors[node][next];
                    if (index[successor] < 0)
                    {
                        index[successor] = low[successor] = counter++;
                        stack.Push(successor);
                        onStack[successor] = true;
                        work.Push((successor, 0));
                    }
                    else if (onStack[successor])
                    {
                        low[node] = Math.Min(low[node], index[successor]);
                    }

                    continue;
                }

                if (work.Count > 0)
                {
                    var parent = work.Peek().Node;
                    low[parent] = Math.Min(low[parent], low[node]);
                }

                if (low[node] == index[node])
                {
                    var component = new List<string>();
                    int member;
                    do
                    {
                        member = stack.Pop();
                        onStack[member] = false;
                        component.Add(nodes[member]);
                    }
                    while (member != node);

                    if (component.Count > 1)
                    {
                        component.Sort(StringComparer.Ordinal);
                        cycles.Add(new DependencyCycle(component));
                    }
                }
            }
        }

        return cycles.OrderByDescending(c => c.Classes.Count).ThenBy(c => c.Classes[0], StringComparer.Ordinal).ToList();
    }

    /// <summary><c>a/B$C$D</c> → <c>a/B</c>. A '$' in a top-level name is legal but rare; such a class is merely
    /// grouped with its namesake.</summary>
    private static string TopLevel(string name)
    {
        var simple = name.LastIndexOf('/') + 1;
        var dollar = name.IndexOf('$', simple);
        return dollar > simple ? name[..dollar] : name;
    }
}
