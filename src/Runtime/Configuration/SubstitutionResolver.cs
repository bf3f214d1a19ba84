namespace HFedMoE.Runtime.Configuration;

/// <summary>
/// Replaces every <c>${path}</c> in a parsed tree with the value found at that absolute path
/// in the same (merged) tree, then joins concatenations and finishes delayed merges. A path
/// not found in the tree falls back to the environment variable of that name; if there is
/// none, an optional substitution makes its field disappear and a required one is an error.
/// </summary>
internal sealed class SubstitutionResolver
{
    // Far longer than any real config; keeps resolution recursion well inside the stack.
    private const int MaxChain = 512;

    private readonly ConfigObject _root;
    private readonly Func<string, string?> _environment;
    private readonly Dictionary<ConfigNode, ConfigNode?> _done = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<ConfigNode> _inProgress = new(ReferenceEqualityComparer.Instance);
    private readonly List<ConfigSubstitution> _chain = [];

    private SubstitutionResolver(ConfigObject root, Func<string, string?> environment)
    {
        _root = root;
        _environment = environment;
    }

    public static ConfigObject Resolve(ConfigObject root, Func<string, string?>? environment = null)
    {
        if (root.IsResolved)
        {
            return root;
        }

        var resolver = new SubstitutionResolver(root, environment ?? Environment.GetEnvironmentVariable);
        return (ConfigObject)resolver.ResolveNode(root)!;
    }

    /// <returns>The resolved value, or null when it is undefined (a missing optional substitution).</returns>
    private ConfigNode? ResolveNode(ConfigNode node)
    {
        if (node.IsResolved)
        {
            return node;
        }

        if (_done.TryGetValue(node, out var done))
        {
            return done;
        }

        if (!_inProgress.Add(node))
        {
            throw CycleError(node);
        }

        var result = node switch
        {
            ConfigObject o => ResolveObject(o),
            ConfigArray a => ResolveArray(a),
            ConfigSubstitution s => ResolveSubstitution(s),
            ConfigConcatenation c => ResolveConcatenation(c),
            ConfigDelayedMerge m => ResolveDelayedMerge(m),
            _ => throw new InvalidOperationException($"Unexpected configuration node {node.GetType().Name}."),
        };
        _inProgress.Remove(node);
        _done[node] = result;
        return result;
    }

    private ConfigObject ResolveObject(ConfigObject obj)
    {
        var result = new ConfigObject(obj.Origin);
        foreach (var (key, value) in obj.Fields)
        {
            if (ResolveNode(value) is { } resolved)
            {
                result.Set(key, resolved);
            }
        }

        return result;
    }

    private ConfigArray ResolveArray(ConfigArray array)
    {
        var items = new List<ConfigNode>(array.Items.Count);
        foreach (var item in array.Items)
        {
            if (ResolveNode(item) is { } resolved)
            {
                items.Add(resolved);
            }
        }

        return new ConfigArray(array.Origin, items);
    }

    private ConfigNode? ResolveSubstitution(ConfigSubstitution s)
    {
        if (_chain.Count >= MaxChain)
        {
            throw new ConfigurationException(
                $"{s.Origin}: substitution {s} is at the end of a chain of more than {MaxChain} substitutions",
                s.Origin.Name,
                s.Origin.Line,
                s.Origin.Column,
                s.Path.ToString());
        }

        _chain.Add(s);
        try
        {
            // A self-reference that no earlier value replaced has nothing to look back to.
            var found = s.IsSelfReference ? null : Lookup(s.Path);
            if (found is not null)
            {
                return found;
            }

            if (_environment(s.Expression) is { } env)
            {
                return new ConfigScalar(s.Origin, env, ScalarKind.String);
            }

            if (s.Optional)
            {
                return null;
            }

            throw new ConfigurationException(
                $"{s.Origin}: unresolved substitution {s}: '{s.Path}' is not set in the configuration nor as an environment variable",
                s.Origin.Name,
                s.Origin.Line,
                s.Origin.Column,
                s.Path.ToString());
        }
        finally
        {
            _chain.RemoveAt(_chain.Count - 1);
        }
    }

    private ConfigNode? Lookup(ConfigPath path)
    {
        ConfigNode current = _root;
        foreach (var segment in path.Segments)
        {
            // Walk plain objects without resolving them whole, so `a { x = 1, y = ${a.x} }`
            // is not mistaken for a cycle.
            var asObject = current as ConfigObject ?? ResolveNode(current) as ConfigObject;
            if (asObject?.Get(segment) is not { } child)
            {
                return null;
            }

            current = child;
        }

        return ResolveNode(current);
    }

    private ConfigNode? ResolveConcatenation(ConfigConcatenation concat)
    {
        var parts = new List<ConfigNode>(concat.Parts.Count);
        foreach (var part in concat.Parts)
        {
            if (ResolveNode(part) is { } resolved)
            {
                parts.Add(resolved);
            }
        }

        // Whitespace only separates values; at the ends (after an undefined part vanished) it means nothing.
        while (parts.Count > 0 && parts[0] is ConfigScalar { IsWhitespace: true })
        {
            parts.RemoveAt(0);
        }

        while (parts.Count > 0 && parts[^1] is ConfigScalar { IsWhitespace: true })
        {
            parts.RemoveAt(parts.Count - 1);
        }

        if (parts.Count == 0)
        {
            return null;
        }

        if (parts.Count == 1)
        {
            return parts[0];
        }

        var values = parts.Where(p => p is not ConfigScalar { IsWhitespace: true }).ToList();
        if (values.All(v => v is ConfigScalar))
        {
            var text = string.Concat(parts.Select(p => ((ConfigScalar)p).Text));
            return new ConfigScalar(concat.Origin, text, ScalarKind.String);
        }

        if (values.All(v => v is ConfigArray))
        {
            return new ConfigArray(concat.Origin, values.SelectMany(v => ((ConfigArray)v).Items).ToList());
        }

        if (values.All(v => v is ConfigObject))
        {
            var merged = values[0];
            for (var i = 1; i < values.Count; i++)
            {
                merged = ConfigMerger.Merge(values[i], merged);
            }

            return merged;
        }

        var kinds = string.Join(" and ", values.Select(v => v.KindName).Distinct());
        throw new ConfigurationException(
            $"{concat.Origin}: cannot concatenate {kinds} in one value",
            concat.Origin.Name,
            concat.Origin.Line,
            concat.Origin.Column);
    }

    private ConfigNode? ResolveDelayedMerge(ConfigDelayedMerge merge)
    {
        var newer = ResolveNode(merge.Newer);
        if (newer is null)
        {
            return ResolveNode(merge.Older);
        }

        if (newer is ConfigObject && ResolveNode(merge.Older) is ConfigObject older)
        {
            return ConfigMerger.Merge(newer, older);
        }

        return newer;
    }

    private ConfigurationException CycleError(ConfigNode node)
    {
        var steps = _chain.Select(s => s.ToString()).ToList();
        steps.Add(node is ConfigSubstitution again ? again.ToString() : $"the value at {node.Origin} that is still being resolved");

        var chain = steps.Count > 0 ? string.Join(" -> ", steps) : node.Origin.ToString();
        var first = _chain.Count > 0 ? _chain[0] : null;
        return new ConfigurationException(
            $"{node.Origin}: cycle in substitutions: {chain}",
            node.Origin.Name,
            node.Origin.Line,
            node.Origin.Column,
            first?.Path.ToString());
    }
}
