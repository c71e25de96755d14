using Confluent.Kafka;

namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>
/// The consume loop's side of an operator's pause (<see cref="SyncControl"/>), on the loop's thread: pausing pauses
/// every assigned partition while the loop keeps polling (rebalances are served, nothing is fetched); resuming lifts
/// it unless backpressure still holds the partitions. The loop hands over what it consumed before it applies a pause.
/// </summary>
internal sealed partial class OperatorPause(IConsumer<RawRef, RawRef> consumer, SyncControl control, ILogger logger)
{
    /// <summary>Whether the partitions are paused by the operator.</summary>
    public bool Active { get; private set; }

    /// <summary>Whether the operator asked for the other state.</summary>
    public bool Requested => control.PauseRequested != Active;

    public bool PauseRequested => control.PauseRequested;

    /// <summary>Applies what the operator asked for; <paramref name="backpressure"/>: the pipeline itself holds the partitions.</summary>
    public void Apply(bool backpressure)
    {
        Active = control.PauseRequested;
        if (Active)
        {
            PauseAssignment();
        }
        else if (!backpressure && consumer.Assignment.Count > 0)
        {
            consumer.Resume(consumer.Assignment);
        }

        control.Applied(Active);
        LogOperatorPause(logger, Active ? "paused" : "resumed", consumer.Assignment.Count);
    }

    /// <summary>Pauses every assigned partition (again: one assigned during the pause is paused too).</summary>
    public void PauseAssignment()
    {
        var assignment = consumer.Assignment;
        if (assignment.Count > 0)
        {
            consumer.Pause(assignment);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consumption {Action} by an operator ({Count} partitions assigned)")]
    private static partial void LogOperatorPause(ILogger logger, string action, int count);
}
