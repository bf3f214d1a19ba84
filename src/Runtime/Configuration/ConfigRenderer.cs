using System.Text;

namespace HFedMoE.Runtime.Configuration;

/// <summary>
/// Writes a resolved tree as HOCON that is also close to JSON: strings quoted, numbers and
/// booleans bare, keys quoted only when they need it, two-space indentation.
/// </summary>
internal static class ConfigRenderer
{
    public static string Render(ConfigObject root)
    {
        var sb = new StringBuilder();
        WriteObject(sb, root, 0);
        sb.Append('\n');
        return sb.ToString();
    }

    private static void Indent(StringBuilder sb, int depth) => sb.Append(' ', depth * 2);

    private static void WriteValue(StringBuilder sb, ConfigNode node, int depth)
    {
        switch (node)
        {
            case ConfigObject o:
                WriteObject(sb, o, depth);
                break;
            case ConfigArray a:
                WriteArray(sb, a, depth);
                break;
            case ConfigScalar { Kind: ScalarKind.String } s:
                sb.Append(ConfigPath.Quote(s.Text));
                break;
            case ConfigScalar s:
                sb.Append(s.Text);
                break;
            default:
                // Only resolved trees reach a Config, so this is a bug, not bad input.
                throw new InvalidOperationException($"Cannot render unresolved {node.KindName}.");
        }
    }

    private static void WriteObject(StringBuilder sb, ConfigObject obj, int depth)
    {
        if (obj.Count == 0)
        {
            sb.Append("{}");
            return;
        }

        sb.Append("{\n");
        foreach (var (key, value) in obj.Fields)
        {
            Indent(sb, depth + 1);
            sb.Append(ConfigPath.RenderKey(key));
            sb.Append(value is ConfigObject ? " " : " = ");
            WriteValue(sb, value, depth + 1);
            sb.Append('\n');
        }

        Indent(sb, depth);
        sb.Append('}');
    }

    private static void WriteArray(StringBuilder sb, ConfigArray array, int depth)
    {
        if (array.Items.Count == 0)
        {
            sb.Append("[]");
            return;
        }

        if (array.Items.All(i => i is ConfigScalar))
        {
            sb.Append('[');
            for (var i = 0; i < array.Items.Count; i++)
            {
                if (i > 0)
                {
                    sb.Append(", ");
                }

                WriteValue(sb, array.Items[i], depth);
            }

            sb.Append(']');
            return;
        }

        sb.Append("[\n");
        for (var i = 0; i < array.Items.Count; i++)
        {
            Indent(sb, depth + 1);
            WriteValue(sb, array.Items[i], depth + 1);
            sb.Append(i < array.Items.Count - 1 ? ",\n" : "\n");
        }

        Indent(sb, depth);
        sb.Append(']');
    }
}
