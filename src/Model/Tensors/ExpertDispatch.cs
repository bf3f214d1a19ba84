using System.Numerics.Tensors;

namespace HFedMoE.Model.Tensors;

/// <summary>
/// Moving token rows to and from experts. <see cref="Gather"/> packs the rows routed to an expert
/// into a dense block (so the expert runs as GEMMs); <see cref="Combine"/> adds the expert outputs
/// back, each scaled by its gate weight. Backward of a gather is a scatter-add; backward of the
/// weighted combine gives both the expert-output gradient and the gate-weight gradient.
/// </summary>
public static class ExpertDispatch
{
    // dst: (n, C) with dst[i] = src[rows[i]];  src: (N, C)
    public static void Gather(Span<float> destination, ReadOnlySpan<float> source, ReadOnlySpan<int> rows, int channels)
    {
        Shapes.RequireLength(destination, rows.Length * channels, "gather destination");
        for (int i = 0; i < rows.Length; i++)
        {
            source.Slice(rows[i] * channels, channels).CopyTo(destination.Slice(i * channels, channels));
        }
    }

    // dsrc[rows[i]] += ddst[i]
    public static void GatherBackward(Span<float> dsource, ReadOnlySpan<float> ddestination, ReadOnlySpan<int> rows, int channels) =>
        ScatterAdd(dsource, ddestination, rows, channels);

    // dst[rows[i]] += src[i]
    public static void ScatterAdd(Span<float> destination, ReadOnlySpan<float> source, ReadOnlySpan<int> rows, int channels)
    {
        Shapes.RequireLength(source, rows.Length * channels, "scatter source");
        for (int i = 0; i < rows.Length; i++)
        {
            var d = destination.Slice(rows[i] * channels, channels);
            TensorPrimitives.Add(d, source.Slice(i * channels, channels), d);
        }
    }

    // out[rows[i]] += weights[i] · expertOut[i]
    public static void Combine(Span<float> output, ReadOnlySpan<float> expertOutput, ReadOnlySpan<int> rows, ReadOnlySpan<float> weights, int channels)
    {
        Shapes.RequireLength(expertOutput, rows.Length * channels, "combine expert output");
        Shapes.RequireLength(weights, rows.Length, "combine weights");
        for (int i = 0; i < rows.Length; i++)
        {
            var o = output.Slice(rows[i] * channels, channels);
            TensorPrimitives.MultiplyAdd(expertOutput.Slice(i * channels, channels), weights[i], o, o);
        }
    }

    // dexpertOut[i] = weights[i] · dout[rows[i]] (overwrites);  dweights[i] += ⟨expertOut[i], dout[rows[i]]⟩
    public static void CombineBackward(
        Span<float> dexpertOutput, Span<float> dweights, ReadOnlySpan<float> doutput, ReadOnlySpan<float> expertOutput,
        ReadOnlySpan<int> rows, ReadOnlySpan<float> weights, int channels)
    {
        for (int i = 0; i < rows.Length; i++)
        {
            var dout = doutput.Slice(rows[i] * channels, channels);
            dweights[i] += TensorPrimitives.Dot(expertOutput.Slice(i * channels, channels), dout);
            if (!dexpertOutput.IsEmpty)
            {
                TensorPrimitives.Multiply(dout, weights[i], dexpertOutput.Slice(i * channels, channels));
            }
        }
    }
}
