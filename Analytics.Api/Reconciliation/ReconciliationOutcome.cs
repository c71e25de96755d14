namespace PolyglotAspire.Analytics.Reconciliation;

/// <summary>What a reconciliation request came to.</summary>
public abstract record ReconciliationOutcome
{
    private ReconciliationOutcome()
    {
    }

    /// <summary>Compared: the report (its differences may be empty or not).</summary>
    public sealed record Done(ReconciliationReport Report) : ReconciliationOutcome;

    /// <summary>Another reconciliation is running: one at a time.</summary>
    public sealed record Busy : ReconciliationOutcome;

    /// <summary>ClickHouse did not apply the stream up to the snapshot within the wait: nothing can be compared exactly yet.</summary>
    public sealed record NotCaughtUp(string SnapshotLsn, string Watermark, TimeSpan Waited) : ReconciliationOutcome;
}
