namespace PolyglotAspire.AppHost.Infrastructure.Containers;

/// <summary>
/// The official ClickHouse server image, pinned to the release local mode runs (chDB 26.7.3 embeds ClickHouse
/// 26.7.2.1). Services connect through its users' connections (<see cref="ClickHouseAccess"/>), never to it directly.
/// </summary>
public sealed class ClickHouseServerResource(string name) : ContainerResource(name)
{
    public const string Image = "clickhouse/clickhouse-server";
    public const string Tag = "26.7";
    public const string HttpEndpointName = "http";
    public const int HttpPort = 8123;

    /// <summary>Where the image merges extra users from (the app's <c>users.xml</c> goes there).</summary>
    public const string UsersDirectory = "/etc/clickhouse-server/users.d";
}
