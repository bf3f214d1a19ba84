namespace HFedMoE.Model.Tensors;

/// <summary>Argument checks shared by the kernels, so every shape error names the buffer and the expected size.</summary>
internal static class Shapes
{
    public static void RequireLength(ReadOnlySpan<float> buffer, int expected, string what)
    {
        if (buffer.Length < expected)
        {
            throw new ArgumentException($"{what} has {buffer.Length} elements; expected at least {expected}");
        }
    }

    public static void RequireLength(ReadOnlySpan<int> buffer, int expected, string what)
    {
        if (buffer.Length < expected)
        {
            throw new ArgumentException($"{what} has {buffer.Length} elements; expected at least {expected}");
        }
    }

    public static void RequirePositive(int value, string what)
    {
        if (value <= 0)
        {
            throw new ArgumentOutOfRangeException(what, value, $"{what} must be positive");
        }
    }
}
