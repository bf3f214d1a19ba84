namespace HFedMoE.Model.Optim;

/// <summary>Settings of <see cref="MaskedAdamW"/>; defaults are PyTorch's except weight decay 0.</summary>
public sealed record AdamWOptions(float Beta1 = 0.9f, float Beta2 = 0.999f, float Epsilon = 1e-8f, float WeightDecay = 0f)
{
    public void Validate()
    {
        if (!(Beta1 >= 0f && Beta1 < 1f) || !(Beta2 >= 0f && Beta2 < 1f))
        {
            throw new ArgumentException($"AdamW betas ({Beta1}, {Beta2}) must lie in [0, 1)");
        }
        if (!(Epsilon > 0f) || !(WeightDecay >= 0f))
        {
            throw new ArgumentException($"AdamW epsilon ({Epsilon}) must be > 0 and weight decay ({WeightDecay}) ≥ 0");
        }
    }
}
