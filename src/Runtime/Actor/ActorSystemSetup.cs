using Microsoft.Extensions.Logging;

namespace HFedMoE.Runtime.Actor;

/// <summary>
/// Programmatic setup that config cannot express. <paramref name="SchedulerFactory"/> replaces
/// the real-time scheduler (the TestKit injects virtual time here; the system does not dispose a
/// scheduler it did not create); <paramref name="LoggerFactory"/> receives all actor logging.
/// </summary>
public sealed record ActorSystemSetup(Func<ActorSystem, IScheduler>? SchedulerFactory = null, ILoggerFactory? LoggerFactory = null);
