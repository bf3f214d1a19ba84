using Akka.Configuration;
using HFedMoE.Model.Federated;

namespace HFedMoE.Host.Tests.Simulation;

public sealed class ModelEngineConfigTests
{
    [Fact]
    public void Clients_train_on_TorchSharp_unless_the_former_engine_is_asked_for()
    {
        Assert.Equal(ModelEngine.Torch, TorchConfig.EngineFromConfig(Config.Empty));
        Assert.Equal(ModelEngine.Former, TorchConfig.EngineFromConfig(ConfigurationFactory.ParseString("hfedmoe.model.engine = former")));
        Assert.Equal(ModelEngine.Torch, TorchConfig.EngineFromConfig(ConfigurationFactory.ParseString("hfedmoe.model.engine = torch")));
    }

    [Fact]
    public void An_unknown_engine_is_refused_by_its_key_with_the_accepted_values()
    {
        var error = Assert.Throws<ConfigurationException>(() => TorchConfig.EngineFromConfig(ConfigurationFactory.ParseString("hfedmoe.model.engine = cuda")));

        Assert.Equal("hfedmoe.model.engine must be torch or former; got 'cuda'", error.Message);
    }
}
