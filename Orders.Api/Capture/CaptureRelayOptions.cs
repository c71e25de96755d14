using System.ComponentModel.DataAnnotations;

namespace PolyglotAspire.OrdersApi.Capture;

/// <summary>Settings of the WAL capture relay (section <c>CaptureRelay</c>).</summary>
public sealed class CaptureRelayOptions
{
    public const string SectionName = "CaptureRelay";

    /// <summary>The publication the migrations create on the outbox table (inserts only).</summary>
    public const string PublicationName = "orders_outbox";

    /// <summary>Prefix of the heartbeat logical decoding messages (contracts §2).</summary>
    public const string HeartbeatPrefix = "polyglot.heartbeat";

    /// <summary>Off only for tools that share the database without publishing (e.g. a second, read-only instance).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The durable logical replication slot (pgoutput). Created by the start-up migration, before any write.</summary>
    [RegularExpression("^[a-z_][a-z0-9_]{0,62}$")]
    public string SlotName { get; set; } = "orders_outbox_relay";

    [Required]
    public string Topic { get; set; } = Contracts.Topics.OrderEvents;

    /// <summary>Where an outbox row that is not a valid envelope goes (bytes untouched), instead of blocking the relay.</summary>
    [Required]
    public string DeadLetterTopic { get; set; } = Contracts.Topics.OrderEventsDeadLetter;

    /// <summary>How often the active relay emits a heartbeat into the WAL (contracts §2).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// At most one progress round (a transaction's commit LSN to every partition, <see cref="ProgressRounds"/>) per this
    /// interval; zero turns them off, and then only order events and the WAL heartbeats move the watermarks.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>How often a standby relay tries to take the slot over from the active one.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan TakeoverRetryInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the slot's confirmed position is pushed to PostgreSQL (only ever to Kafka-acknowledged LSNs).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:10")]
    public TimeSpan ConfirmInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan RetryMinBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan RetryMaxBackoff { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Events produced but not yet acknowledged by Kafka before the relay stops reading the WAL (backpressure).</summary>
    [Range(1, 1_000_000)]
    public int MaxInFlight { get; set; } = 20_000;

    /// <summary>No acknowledgement for this long while events wait: the relay reports itself degraded (Kafka unavailable or slow).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan StalledAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the slot's lag and WAL status are read (health, metrics) and its confirmed position recorded.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan SlotCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// WAL the slot may retain before health says Degraded (also when PostgreSQL calls it <c>unreserved</c>: lost at the
    /// next checkpoint). Keep it well below <c>max_slot_wal_keep_size</c> (the AppHost sets 4 GB), at which PostgreSQL
    /// invalidates the slot and capture stops until a backfill (docs/contracts.md §6).
    /// </summary>
    [Range(1L << 20, 1L << 40)]
    public long SlotLagDegradedBytes { get; set; } = 1L << 30;

    /// <summary>
    /// Unable to stream (and not standby) for this long — counted from when it last streamed, across retries — the
    /// relay reports itself unhealthy. A failure that needs an operator is unhealthy at once.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan UnhealthyAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The wait before attempt <paramref name="failures"/> + 1: doubling from <see cref="RetryMinBackoff"/> up to
    /// <see cref="RetryMaxBackoff"/>, ±20 % jitter so that replicas do not retry in step.
    /// </summary>
    public TimeSpan Backoff(int failures)
    {
        var exponential = RetryMinBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 16));
        var capped = Math.Min(exponential, RetryMaxBackoff.TotalMilliseconds);
#pragma warning disable CA5394 // Jitter, not security.
        return TimeSpan.FromMilliseconds(capped * (0.8 + (Random.Shared.NextDouble() * 0.4)));
#pragma warning restore CA5394
    }
}
