using static PolyglotAspire.AppHost.Infrastructure.EnginesExtensions;

namespace PolyglotAspire.AppHost.Infrastructure;

/// <summary>
/// Who may do what in ClickHouse, the same in local and containers mode: the users of <c>ClickHouse/users.xml</c>
/// (<c>sync_writer</c> owns and writes the <see cref="Database"/> database, <c>analytics_reader</c> only reads it under a
/// <c>readonly=1</c> profile) plus an <c>admin</c> that no service gets. Passwords are secret parameters, handed to the
/// server as environment variables; each service is given only its own user's connection string.
/// </summary>
public static class ClickHouseAccess
{
    public const string Database = "analytics";
    public const string WriterName = ClickHouseName + "-writer";
    public const string ReaderName = ClickHouseName + "-reader";
    public const string AdminName = ClickHouseName + "-admin";

    /// <summary>The folder of the app's <c>users.xml</c> and of the <c>Dockerfile</c> that bakes it into the published image.</summary>
    public static string UsersDirectory(IDistributedApplicationBuilder builder) => Path.Combine(builder.AppHostDirectory, "ClickHouse");

    /// <summary>The users the server merges into its own (its <c>users.d/</c>).</summary>
    public static string UsersFile(IDistributedApplicationBuilder builder) => Path.Combine(UsersDirectory(builder), "users.xml");

    /// <summary>The three passwords, as generated secret parameters (kept in user secrets in run mode).</summary>
    public sealed record Passwords(ParameterResource Admin, ParameterResource Writer, ParameterResource Reader)
    {
        public static Passwords Add(IDistributedApplicationBuilder builder) => new(
            Generate(builder, AdminName), Generate(builder, WriterName), Generate(builder, ReaderName));

        private static ParameterResource Generate(IDistributedApplicationBuilder builder, string user) =>
            ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{user}-password", special: false);
    }

    /// <summary>The app users' passwords, where the server's configuration (<c>from_env</c>) reads them.</summary>
    public static IResourceBuilder<T> WithAppUserPasswords<T>(this IResourceBuilder<T> server, Passwords passwords)
        where T : IResourceWithEnvironment => server
        .WithEnvironment("CLICKHOUSE_WRITER_PASSWORD", passwords.Writer)
        .WithEnvironment("CLICKHOUSE_READER_PASSWORD", passwords.Reader);

    /// <summary>The writer's, the reader's and the admin's connections, as children of <paramref name="server"/> (running while it runs).</summary>
    public static (IResourceBuilder<IResourceWithConnectionString> Writer, IResourceBuilder<IResourceWithConnectionString> Reader) AddConnections(
        IDistributedApplicationBuilder builder, IResourceWithEndpoints server, string endpointName, Passwords passwords)
    {
        IResourceBuilder<IResourceWithConnectionString> Add(string name, string user, ParameterResource password) =>
            builder.AddResource(new ClickHouseConnectionResource(name, server, endpointName, user, password))
                .FollowParentLifecycle(server, "ClickHouseConnection")
                .WithIconName("DatabaseLightning");

        Add(AdminName, "admin", passwords.Admin);
        return (Add(WriterName, "sync_writer", passwords.Writer), Add(ReaderName, "analytics_reader", passwords.Reader));
    }
}
