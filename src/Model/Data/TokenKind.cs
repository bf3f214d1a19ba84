namespace HFedMoE.Model.Data;

public enum TokenKind
{
    Special,
    Keyword,
    Style,
    Background,
}
