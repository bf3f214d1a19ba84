namespace HFedMoE.Model.Data.Text;

/// <summary>What a bad JSONL line does (<c>hfedmoe.hf.data.bad-lines</c>).</summary>
public enum BadLinePolicy
{
    /// <summary>Report it (file and line) and go on without it.</summary>
    Skip,

    /// <summary>Stop with an error naming the file and line.</summary>
    Fatal,
}
