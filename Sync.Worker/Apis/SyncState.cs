using PolyglotAspire.SyncWorker.Pipeline;

namespace PolyglotAspire.SyncWorker.Apis;

/// <summary>
/// Consumption as an operator set it: <c>running</c>, <c>pausing</c> (requested, not applied yet), <c>paused</c> or
/// <c>resuming</c>.
/// </summary>
internal sealed record SyncState(string State)
{
    public static SyncState Of(SyncControl control) => new((control.PauseRequested, control.Paused) switch
    {
        (true, true) => "paused",
        (true, false) => "pausing",
        (false, true) => "resuming",
        (false, false) => "running",
    });
}
