namespace PolyglotAspire.Analytics.Freshness;

/// <summary>What a read asks for (DESIGN.md, "Consistency levels").</summary>
public enum ConsistencyLevel
{
    /// <summary>ClickHouse at once, saying how fresh it is.</summary>
    Eventual,

    /// <summary>Read-your-writes: reflect the caller's token; ClickHouse once it has it, else PostgreSQL. Never stale.</summary>
    Session,

    /// <summary>ClickHouse if its lag is within <c>maxStalenessMs</c>, else PostgreSQL.</summary>
    Bounded,
}
