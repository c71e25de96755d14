namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>Publishes a dead letter; the returned task completes once the broker acknowledged it.</summary>
internal interface IDeadLetterPublisher
{
    Task PublishAsync(DeadLetter letter);
}
