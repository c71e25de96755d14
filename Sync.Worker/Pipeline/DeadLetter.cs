using PolyglotAspire.SyncWorker.Encoding;

namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>A message that could not be decoded, on its way to the dead-letter topic.</summary>
internal sealed record DeadLetter(int Partition, long Offset, byte[]? Key, byte[] Value, DecodeError Error, int Field)
{
    /// <summary>The produce in flight (or done); the batch commits past this offset only once it succeeded.</summary>
    public Task? Delivery { get; set; }
}
