namespace PolyglotAspire.Analytics.Partitions;

/// <summary>When a kept partition result with newer blocks is extended rather than computed whole (<see cref="AnalyticsOptions.ExtendKeptPartitions"/>).</summary>
public enum PartitionExtension
{
    WhenCheaper,
    Never,
    Always,
}
