using HFedMoE.Host.Simulation;

namespace HFedMoE.Host.Experiment;

/// <summary>
/// What a finished cell leaves in its folder (<c>cell.json</c>), written only after every round
/// ran: the fingerprint of the settings and base it ran with, and its rounds.
/// </summary>
internal sealed record CellRecord(string Fingerprint, double Seconds, IReadOnlyList<RoundReport> Rounds);
