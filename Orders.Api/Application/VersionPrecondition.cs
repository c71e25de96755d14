namespace PolyglotAspire.OrdersApi.Application;

/// <summary>
/// The versions of an order a change may apply to (optimistic concurrency), as a client states them with
/// <c>If-Match</c>: none stated (any version, and a lost race is retried), any version (<c>*</c>), or a list.
/// </summary>
public readonly record struct VersionPrecondition(bool Present, bool Any, IReadOnlyList<int> Versions)
{
    public static readonly VersionPrecondition None = new(false, false, []);

    /// <summary>Whether the current version satisfies the precondition (always, when there is none).</summary>
    public bool Matches(int version) => !Present || Any || Versions.Contains(version);

    /// <summary>Names versions: a change that lost a race must not be retried on the newer version (412 instead).</summary>
    public bool NamesVersions => Present && !Any;
}
