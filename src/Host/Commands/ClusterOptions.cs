using System.CommandLine;
using HFedMoE.Host.Cluster;

namespace HFedMoE.Host.Commands;

/// <summary>The network flags of <c>hfedmoe seed</c> and <c>hfedmoe client</c>.</summary>
internal static class ClusterOptions
{
    public static Option<string?> Host() => new("--host")
    {
        Description = "address this node binds and advertises to the others (default 127.0.0.1, hocon/cluster.conf)",
        CustomParser = result =>
        {
            string text = result.Tokens.Count == 0 ? "" : result.Tokens[0].Value;
            if (text.Length == 0 || text.Any(c => char.IsWhiteSpace(c) || c is '"' or '/' or '@' or ':'))
            {
                result.AddError($"--host expects a host name or IP address; got '{text}'");
            }
            return text;
        },
    };

    public static Option<int?> Port(string defaultText) => new("--port")
    {
        Description = $"TCP port of this node ({defaultText})",
        CustomParser = result =>
        {
            string text = result.Tokens.Count == 0 ? "" : result.Tokens[0].Value;
            if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port) || port > 65535)
            {
                result.AddError($"--port expects a whole number in 0..65535; got '{text}'");
                return null;
            }
            return port;
        },
    };

    /// <summary>A repeatable <c>host:port</c> option.</summary>
    public static Option<NodeAddress[]> Nodes(string name, string description, bool required) => new(name)
    {
        Description = description,
        Required = required,
        AllowMultipleArgumentsPerToken = false,
        Arity = required ? ArgumentArity.OneOrMore : ArgumentArity.ZeroOrMore,
        CustomParser = result =>
        {
            var nodes = new List<NodeAddress>();
            foreach (var token in result.Tokens)
            {
                foreach (string part in token.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    if (NodeAddress.TryParse(part, out string? problem) is { } node)
                    {
                        nodes.Add(node);
                    }
                    else
                    {
                        result.AddError($"{name} {problem}");
                        return [];
                    }
                }
            }
            return [.. nodes];
        },
    };
}
