using System.Reflection;
using Akka.Configuration;
using Akka.Persistence.Sql;
using Akka.Streams;

namespace HFedMoE.Actors.Configuration;

/// <summary>
/// HFedMoE's configuration, read with Akka's own HOCON: <c>hocon/reference.conf</c> (embedded in
/// this assembly: every <c>hfedmoe.*</c> key with its default, and the <c>akka.*</c> settings we
/// rely on) under a user's file. <see cref="ActorSystemConfig"/> adds what an actor system needs on
/// top: the SQLite files of an empty connection string, and Akka.Persistence.Sql's and
/// Akka.Streams' defaults (Akka's own come with <c>ActorSystem.Create</c>).
/// </summary>
public static class HfedmoeConfig
{
    private const string ReferenceResource = "HFedMoE.reference.conf";

    private static readonly Lazy<(string Text, Config Config)> Embedded = new(LoadReference);

    /// <summary>The text of hocon/reference.conf.</summary>
    public static string ReferenceText => Embedded.Value.Text;

    /// <summary>hocon/reference.conf, parsed.</summary>
    public static Config Reference => Embedded.Value.Config;

    /// <summary>
    /// <paramref name="file"/> (null: none) over the reference. Akka's HOCON resolves a file's
    /// substitutions within the file itself, so a file cannot refer to reference keys.
    /// </summary>
    /// <exception cref="ConfigurationException">
    /// The file is missing or malformed (the message names the file, and the line where Akka's
    /// parser gives it), or it sets a key under <c>hfedmoe</c> that the reference does not have or a
    /// value of the wrong kind (the message names the key, the file, the line and the nearest valid key).
    /// </exception>
    public static Config Load(string? file)
    {
        if (file is null)
        {
            return Reference;
        }
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"config file {file} cannot be read: {e.Message}", e);
        }
        return Parse(text, file);
    }

    /// <summary>HOCON <paramref name="text"/> (named <paramref name="source"/> in errors) over the reference, checked like a file.</summary>
    /// <exception cref="ConfigurationException">As <see cref="Load"/>.</exception>
    public static Config Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(source);
        var user = HoconText.Parse(text, source);
        ReferenceSchema.Check(user, Reference, text, source);
        return user.WithFallback(Reference);
    }

    /// <summary>
    /// <paramref name="config"/> ready for <c>ActorSystem.Create</c>: SQLite connection strings left
    /// empty point at files in <paramref name="dataDir"/> (null: <c>hfedmoe.persistence.data-dir</c>),
    /// the read journal uses the journal's database unless told otherwise, and Akka.Persistence.Sql's
    /// defaults sit under everything.
    /// </summary>
    /// <exception cref="ConfigurationException">A non-SQLite provider without a connection string.</exception>
    public static Config ActorSystemConfig(Config config, string? dataDir = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        // Akka.Streams' defaults too: its StreamRef serializer must be bound before the first
        // SourceRef arrives from another node, not only once a materializer has started.
        return SqlPersistenceConfig.Complete(WithReference(config), dataDir)
            .WithFallback(SqlPersistence.DefaultConfiguration)
            .WithFallback(ActorMaterializer.DefaultConfig());
    }

    /// <summary><paramref name="config"/> with the reference under it (once: Akka refuses a config as its own fallback).</summary>
    public static Config WithReference(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return ReferenceEquals(config, Reference) ? config : config.WithFallback(Reference);
    }

    private static (string, Config) LoadReference()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ReferenceResource)
            ?? throw new InvalidOperationException($"{ReferenceResource} is not embedded in {Assembly.GetExecutingAssembly().GetName().Name}");
        using var reader = new StreamReader(stream);
        string text = reader.ReadToEnd();
        return (text, HoconText.Parse(text, "reference.conf"));
    }
}
