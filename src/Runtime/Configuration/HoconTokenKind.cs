namespace HFedMoE.Runtime.Configuration;

/// <summary>The kinds of token the HOCON tokenizer produces.</summary>
internal enum HoconTokenKind
{
    EndOfFile,
    Newline,
    Comma,
    OpenBrace,
    CloseBrace,
    OpenBracket,
    CloseBracket,
    /// <summary><c>=</c> or <c>:</c>.</summary>
    Separator,
    /// <summary><c>+=</c>.</summary>
    PlusEquals,
    Unquoted,
    Quoted,
    /// <summary><c>${path}</c> or <c>${?path}</c>; <see cref="HoconToken.Text"/> is the path expression.</summary>
    Substitution,
}
