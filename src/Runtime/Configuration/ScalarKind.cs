namespace HFedMoE.Runtime.Configuration;

/// <summary>What a scalar looked like in the source; getters still parse from the text.</summary>
internal enum ScalarKind
{
    String,
    Number,
    Boolean,
    Null,
}
