using System.Text;

namespace HFedMoE.Runtime.Actor;

/// <summary>
/// The logical location of an actor: an <see cref="Address"/> plus the names from the root,
/// printed as <c>hfedmoe://system@host:port/user/a/b</c>. Equality ignores <see cref="Uid"/>
/// (the incarnation), so a path is a good dictionary key when the incarnation does not matter;
/// <see cref="IActorRef"/> equality compares path and uid.
/// </summary>
/// <remarks>
/// Paths form a linked chain to the root so that creating a child costs one small object; the
/// string form is built on demand.
/// </remarks>
public sealed class ActorPath : IEquatable<ActorPath>
{
    // Characters Akka allows in a path element besides ASCII letters and digits.
    private const string ValidSymbols = "\"-_.*$+:@&=,!~';()";

    // The parent path, or the Address for the root: one field instead of two keeps every path small.
    private readonly object _parentOrAddress;

    private ActorPath(Address address)
    {
        _parentOrAddress = address;
        Name = string.Empty;
    }

    private ActorPath(ActorPath parent, string name, int uid)
    {
        _parentOrAddress = parent;
        Name = name;
        Uid = uid;
    }

    private Address? RootAddress => _parentOrAddress as Address;

    /// <summary>The root path of <paramref name="address"/> (prints as the address followed by '/').</summary>
    public static ActorPath Root(Address address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return new ActorPath(address);
    }

    public Address Address
    {
        get
        {
            var p = this;
            while (p.Parent is not null)
            {
                p = p.Parent;
            }
            return p.RootAddress!;
        }
    }

    /// <summary>The parent path; null for the root.</summary>
    public ActorPath? Parent => _parentOrAddress as ActorPath;

    /// <summary>The last element ("" for the root).</summary>
    public string Name { get; }

    /// <summary>The incarnation id; 0 when unknown (e.g. a parsed path or a guardian).</summary>
    public int Uid { get; }

    public bool IsRoot => Parent is null;

    public int Depth
    {
        get
        {
            int d = 0;
            for (var p = this; p.Parent is not null; p = p.Parent)
            {
                d++;
            }
            return d;
        }
    }

    /// <summary>The names from the root down (the root itself contributes none).</summary>
    public IReadOnlyList<string> Elements
    {
        get
        {
            var list = new string[Depth];
            int i = list.Length - 1;
            for (var p = this; p.Parent is not null; p = p.Parent)
            {
                list[i--] = p.Name;
            }
            return list;
        }
    }

    /// <summary>The root of this path.</summary>
    public ActorPath RootPath
    {
        get
        {
            var p = this;
            while (p.Parent is not null)
            {
                p = p.Parent;
            }
            return p;
        }
    }

    /// <summary>A child path (no uid). Use for lookups; actors get uids when created.</summary>
    public static ActorPath operator /(ActorPath parent, string name)
    {
        ArgumentNullException.ThrowIfNull(parent);
        return parent.Child(name);
    }

    public ActorPath Child(string name) => Child(name, 0);

    public ActorPath Child(string name, int uid)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new ActorPath(this, name, uid);
    }

    /// <summary>The same path with another incarnation id.</summary>
    public ActorPath WithUid(int uid) => Parent is null ? this : new ActorPath(Parent, Name, uid);

    /// <summary>
    /// True if <paramref name="name"/> is a legal user-given actor name: non-empty, not starting
    /// with '$' (reserved for generated names), only ASCII letters, digits and
    /// <c>" - _ . * $ + : @ &amp; = , ! ~ ' ; ( )</c> (percent-escapes %XX allowed).
    /// </summary>
    public static bool IsValidPathElement(string? name)
    {
        if (string.IsNullOrEmpty(name) || name[0] == '$')
        {
            return false;
        }
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsAsciiLetterOrDigit(c) || ValidSymbols.Contains(c, StringComparison.Ordinal))
            {
                continue;
            }
            if (c == '%' && i + 2 < name.Length && char.IsAsciiHexDigit(name[i + 1]) && char.IsAsciiHexDigit(name[i + 2]))
            {
                i += 2;
                continue;
            }
            return false;
        }
        return true;
    }

    /// <summary>Parses <c>protocol://system[@host:port]/a/b[#uid]</c>.</summary>
    public static ActorPath Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme <= 0)
        {
            throw new FormatException($"'{text}' is not an actor path: expected protocol://system[@host:port]/path");
        }
        int slash = text.IndexOf('/', scheme + 3);
        var address = Address.Parse(slash < 0 ? text : text[..slash]);
        var path = Root(address);
        if (slash < 0)
        {
            return path;
        }
        string rest = text[(slash + 1)..];
        int uid = 0;
        int hash = rest.IndexOf('#', StringComparison.Ordinal);
        if (hash >= 0)
        {
            uid = int.Parse(rest[(hash + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            rest = rest[..hash];
        }
        var parts = rest.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < parts.Length; i++)
        {
            path = path.Child(parts[i], i == parts.Length - 1 ? uid : 0);
        }
        return path;
    }

    /// <summary>The path without uid, e.g. <c>hfedmoe://sys/user/a</c>.</summary>
    public override string ToString()
    {
        if (Parent is null)
        {
            return RootAddress!.ToString() + "/";
        }
        var sb = new StringBuilder(64);
        AppendTo(sb);
        return sb.ToString();
    }

    /// <summary>The path with the incarnation, e.g. <c>hfedmoe://sys/user/a#123</c>.</summary>
    public string ToStringWithUid() => Uid == 0 ? ToString() : ToString() + "#" + Uid.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The path without the address, e.g. <c>/user/a</c>.</summary>
    public string ToStringWithoutAddress()
    {
        if (Parent is null)
        {
            return "/";
        }
        var sb = new StringBuilder(32);
        AppendElements(sb);
        return sb.ToString();
    }

    private void AppendTo(StringBuilder sb)
    {
        sb.Append(Address.ToString());
        AppendElements(sb);
    }

    private void AppendElements(StringBuilder sb)
    {
        if (Parent is null)
        {
            return;
        }
        Parent.AppendElements(sb);
        sb.Append('/').Append(Name);
    }

    public bool Equals(ActorPath? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }
        if (other is null)
        {
            return false;
        }
        ActorPath a = this, b = other;
        while (a.Parent is not null && b.Parent is not null)
        {
            if (!string.Equals(a.Name, b.Name, StringComparison.Ordinal))
            {
                return false;
            }
            a = a.Parent;
            b = b.Parent;
            if (ReferenceEquals(a, b))
            {
                return true;
            }
        }
        return a.Parent is null && b.Parent is null && a.RootAddress!.Equals(b.RootAddress);
    }

    public override bool Equals(object? obj) => obj is ActorPath p && Equals(p);

    public override int GetHashCode()
    {
        var h = new HashCode();
        for (var p = this; p.Parent is not null; p = p.Parent)
        {
            h.Add(p.Name, StringComparer.Ordinal);
        }
        return h.ToHashCode();
    }

    public static bool operator ==(ActorPath? left, ActorPath? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(ActorPath? left, ActorPath? right) => !(left == right);
}
