using HFedMoE.Model.Data;
using HFedMoE.Model.Federated;
using HFedMoE.Model.Nn;
using HFedMoE.Model.Nn.TorchMoE;
using TorchSharp;

namespace HFedMoE.Host.Simulation;

/// <summary>
/// Server-side accuracy of a global model on a fixed test set, computed by the TorchSharp model
/// on the training device. Owns one model instance, so it is used from one thread at a time.
/// </summary>
internal sealed class GlobalEvaluator : IDisposable
{
    private const int BatchSize = 128;
    private readonly TorchMoETransformer _model;
    private readonly Dataset _data;
    private readonly int[] _predictions;

    /// <param name="device">Where the model computes (null: the CPU).</param>
    public GlobalEvaluator(ModelConfig config, IReadOnlyList<Sample> samples, torch.Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        _model = new TorchMoETransformer(config, seed: 0, device: device);
        _data = new Dataset(samples);
        _predictions = new int[BatchSize];
    }

    public double Accuracy(GlobalModel global)
    {
        ArgumentNullException.ThrowIfNull(global);
        if (_data.Count == 0)
        {
            return double.NaN;
        }
        _model.LoadFrom(global);
        long correct = 0;
        foreach (var batch in _data.InOrder(BatchSize))
        {
            _model.Predict(batch.Tokens, batch.Size, batch.Length, _predictions, batch.Lengths);
            for (int i = 0; i < batch.Size; i++)
            {
                correct += _predictions[i] == batch.Labels[i] ? 1 : 0;
            }
        }
        return (double)correct / _data.Count;
    }

    /// <summary>Mean cross-entropy and accuracy of <paramref name="global"/> on the set (NaN, NaN when it is empty).</summary>
    public (double Loss, double Accuracy) LossAndAccuracy(GlobalModel global)
    {
        ArgumentNullException.ThrowIfNull(global);
        if (_data.Count == 0)
        {
            return (double.NaN, double.NaN);
        }
        _model.LoadFrom(global);
        int classes = _model.Config.Classes;
        double loss = 0;
        long correct = 0;
        foreach (var batch in _data.InOrder(BatchSize))
        {
            var logits = _model.Forward(batch.Tokens, batch.Size, batch.Length, batch.Lengths);
            for (int i = 0; i < batch.Size; i++)
            {
                var row = logits.AsSpan(i * classes, classes);
                int best = 0;
                double max = row[0];
                for (int k = 1; k < classes; k++)
                {
                    if (row[k] > max)
                    {
                        (max, best) = (row[k], k);
                    }
                }
                double sum = 0;
                for (int k = 0; k < classes; k++)
                {
                    sum += Math.Exp(row[k] - max);
                }
                loss += max + Math.Log(sum) - row[batch.Labels[i]];
                correct += best == batch.Labels[i] ? 1 : 0;
            }
        }
        return (loss / _data.Count, (double)correct / _data.Count);
    }

    public void Dispose() => _model.Dispose();
}
