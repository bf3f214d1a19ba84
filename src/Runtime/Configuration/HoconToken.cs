namespace HFedMoE.Runtime.Configuration;

/// <summary>
/// One lexical token. <see cref="WhitespaceBefore"/> keeps the spaces that preceded it on the
/// same line, because whitespace between concatenated values is part of the value.
/// </summary>
internal sealed record HoconToken(HoconTokenKind Kind, string Text, ConfigOrigin Origin, string WhitespaceBefore, bool Optional = false)
{
    /// <summary>How the token is shown in "expected X but found Y".</summary>
    public string Describe() => Kind switch
    {
        HoconTokenKind.EndOfFile => "end of file",
        HoconTokenKind.Newline => "end of line",
        HoconTokenKind.Comma => "','",
        HoconTokenKind.OpenBrace => "'{'",
        HoconTokenKind.CloseBrace => "'}'",
        HoconTokenKind.OpenBracket => "'['",
        HoconTokenKind.CloseBracket => "']'",
        HoconTokenKind.Separator => $"'{Text}'",
        HoconTokenKind.PlusEquals => "'+='",
        HoconTokenKind.Quoted => $"string {ConfigPath.Quote(Text)}",
        HoconTokenKind.Substitution => Optional ? $"'${{?{Text}}}'" : $"'${{{Text}}}'",
        _ => $"'{Text}'",
    };
}
