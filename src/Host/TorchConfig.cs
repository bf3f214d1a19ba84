using Akka.Configuration;
using HFedMoE.Actors.Configuration;
using HFedMoE.Model.Torch;

namespace HFedMoE.Host;

/// <summary>The <c>hfedmoe.model</c> section: the libtorch device and thread count of every command that trains on TorchSharp.</summary>
internal static class TorchConfig
{
    public const string ConfigPath = "hfedmoe.model";

    /// <exception cref="ConfigurationException">A value out of range; the message names the key and the accepted values.</exception>
    public static TorchSettings FromConfig(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var c = HfedmoeConfig.WithReference(config).GetConfig(ConfigPath);
        try
        {
            return TorchSettings.Parse(c.GetString("device"), c.GetInt("threads"));
        }
        catch (ArgumentException e)
        {
            throw new ConfigurationException(e.Message, e);
        }
    }

    /// <summary>The configured device, opened (<see cref="TorchDevice.Open"/>: libtorch loaded, a CUDA device checked, the threads set).</summary>
    /// <exception cref="ConfigurationException">A value out of range.</exception>
    /// <exception cref="TorchNativeException">libtorch did not load, or the CUDA device is not there.</exception>
    public static TorchDevice Open(Config config) => TorchDevice.Open(FromConfig(config));
}
