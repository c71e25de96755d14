namespace PolyglotAspire.SyncWorker.DeadLetters;

/// <summary>
/// A dead letter a replay could still not decode; it stays where it is, in the dead-letter topic. <see cref="Partition"/>
/// and <see cref="Offset"/> locate it there; <see cref="SourcePartition"/>/<see cref="SourceOffset"/> where it was in
/// <c>orders.events</c> (null for a record the capture relay dead-lettered as raw bytes).
/// </summary>
public sealed record UndecodableLetter(int Partition, long Offset, int? SourcePartition, long? SourceOffset, string Reason, int? Field);
