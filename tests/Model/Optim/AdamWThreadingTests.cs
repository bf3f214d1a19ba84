using HFedMoE.Model.Nn;
using HFedMoE.Model.Optim;
using HFedMoE.Model.Tensors;

namespace HFedMoE.Model.Tests.Optim;

public sealed class AdamWThreadingTests
{
    private static ParameterStore Store()
    {
        var store = new ParameterStore([("a", [512, 400]), ("b", [37]), ("c", [512, 400]), ("d.gamma", [400]), ("e", [300, 401])]);
        var rng = new DeterministicRandom(8);
        rng.FillUniform(store.Values, -1f, 1f);
        rng.FillUniform(store.Grads, -1f, 1f);
        return store;
    }

    [Fact]
    public void A_threaded_step_gives_the_bits_of_a_serial_step()
    {
        var serialStore = Store();
        var threadedStore = Store();
        var options = new AdamWOptions(WeightDecay: 0.1f);
        var serial = new AdamW(serialStore, options, GemmOptions.SingleThreaded);
        var threaded = new AdamW(threadedStore, options, new GemmOptions { MaxThreads = 2 });
        for (int step = 0; step < 3; step++)
        {
            serial.Step(1e-2f);
            threaded.Step(1e-2f);
        }
        Assert.Equal(serialStore.Values, threadedStore.Values);
        Assert.Equal(serial.FirstMoments.ToArray(), threaded.FirstMoments.ToArray());
        Assert.Equal(serial.SecondMoments.ToArray(), threaded.SecondMoments.ToArray());
        Assert.NotEqual(Store().Values, threadedStore.Values);
        Assert.Equal(3, threaded.StepsTaken("e"));
    }
}
