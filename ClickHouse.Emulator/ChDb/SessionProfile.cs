using System.Text;

namespace ClickHouse.Emulator.ChDb;

/// <summary>
/// The per-request session state of a ClickHouse HTTP query: current database and settings.
/// <para>
/// Why sessions and not a <c>SETTINGS</c> clause or <c>SET</c>: ClickHouse applies URL settings to that
/// one query, whatever the statement (DDL, INSERT, SELECT, even <c>readonly</c>). A <c>SETTINGS</c>
/// clause cannot express that (on CREATE TABLE it means table settings), and <c>SET</c> on a shared
/// session leaks into later requests and cannot be undone once <c>readonly=1</c> is set. chDB 26.7
/// instead allows many connections (sessions) on one engine, each with its own settings, for ~0.1 ms
/// each. So every request runs on a session prepared with exactly its profile, and sessions are
/// pooled by <see cref="Key"/>: the driver's steady stream of identical settings reuses one session,
/// while a request with different settings gets its own and can never affect another.
/// </para>
/// </summary>
internal sealed class SessionProfile
{
    public static readonly SessionProfile Default = new(null, []);

    public SessionProfile(string? database, IEnumerable<KeyValuePair<string, string>> settings)
    {
        Database = string.IsNullOrEmpty(database) ? null : database;

        // readonly goes last: once it is on, the session refuses to change any other setting.
        Settings = settings
            .GroupBy(s => s.Key, StringComparer.Ordinal)
            .Select(g => g.Last())
            .OrderBy(s => s.Key == "readonly" ? 1 : 0)
            .ThenBy(s => s.Key, StringComparer.Ordinal)
            .ToArray();

        var key = new StringBuilder(Database);
        foreach (var (name, value) in Settings)
        {
            key.Append('\u0001').Append(name).Append('=').Append(value);
        }

        Key = key.ToString();
    }

    public string? Database { get; }

    /// <summary>
    /// Profiles that are unique per request by nature (an insert's deduplication token): a session
    /// prepared for one would never be reused, so it is closed rather than pooled, where it would
    /// only push out sessions that will be.
    /// </summary>
    public bool IsSingleUse => Settings.Any(s => s.Key == "insert_deduplication_token");

    public IReadOnlyList<KeyValuePair<string, string>> Settings { get; }

    /// <summary>Equal keys mean interchangeable sessions.</summary>
    public string Key { get; }

    /// <summary>
    /// Statements that turn a fresh session into this profile. Values go in as string literals:
    /// ClickHouse parses a setting from its string form, exactly as it does for URL parameters, and the
    /// engine reports unknown settings or bad values with the same errors a server would.
    /// </summary>
    public IEnumerable<string> SetupStatements()
    {
        if (Database is not null)
        {
            yield return "USE " + QuoteIdentifier(Database);
        }

        var ordinary = Settings.Where(s => s.Key != "readonly").ToArray();
        if (ordinary.Length > 0)
        {
            yield return "SET " + string.Join(", ", ordinary.Select(s => s.Key + " = " + QuoteString(s.Value)));
        }

        foreach (var s in Settings.Where(s => s.Key == "readonly"))
        {
            yield return "SET readonly = " + QuoteString(s.Value);
        }
    }

    /// <summary>Setting names are identifiers; anything else could smuggle SQL into SET.</summary>
    public static bool IsValidSettingName(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.');

    private static string QuoteIdentifier(string name) => "`" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("`", "\\`", StringComparison.Ordinal) + "`";

    private static string QuoteString(string value) => "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";
}
