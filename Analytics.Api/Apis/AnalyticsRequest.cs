using System.Collections.Frozen;
using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using PolyglotAspire.Analytics.Freshness;
using PolyglotAspire.Analytics.Queries;
using PolyglotAspire.Contracts;

namespace PolyglotAspire.Analytics.Apis;

/// <summary>
/// The query string and headers every analytics read accepts, bound as text and validated here so that every
/// mistake gets a 400 with a message that says what to fix (never a 500, never a query built from input).
/// </summary>
public sealed class AnalyticsRequest
{
    public const string TokenHeader = "X-Consistency-Token";
    public const int MaxRegionLength = 64;

    [FromQuery(Name = "from")] public string? From { get; init; }
    [FromQuery(Name = "to")] public string? To { get; init; }
    [FromQuery(Name = "region")] public string? Region { get; init; }
    [FromQuery(Name = "currency")] public string? Currency { get; init; }
    [FromQuery(Name = "groupBy")] public string? GroupBy { get; init; }
    [FromQuery(Name = "limit")] public string? Limit { get; init; }
    [FromQuery(Name = "consistency")] public string? Consistency { get; init; }
    [FromQuery(Name = "maxStalenessMs")] public string? MaxStalenessMs { get; init; }
    [FromHeader(Name = TokenHeader)] public string? Token { get; init; }

    private static readonly FrozenDictionary<string, GroupBy> GroupByNames =
        Enum.GetValues<GroupBy>().ToFrozenDictionary(g => g.ToString(), g => g, StringComparer.OrdinalIgnoreCase);

    /// <summary>Validation errors by parameter name; empty when the request is valid.</summary>
    public sealed class Errors : Dictionary<string, string[]>
    {
        public void Add(string parameter, string message) => this[parameter] = [message];
    }

    public TimeRange ParseRange(Errors errors)
    {
        var from = ParseInstant(From, "from", endOfDay: false, errors) ?? AnalyticsDefinitions.MinTime;
        var to = ParseInstant(To, "to", endOfDay: true, errors) ?? AnalyticsDefinitions.MaxTime;
        if (!errors.ContainsKey("from") && !errors.ContainsKey("to") && from > to)
        {
            errors.Add("to", $"'to' ({To}) is before 'from' ({From}).");
        }

        return new TimeRange(from, to);
    }

    public string? ParseRegion(Errors errors)
    {
        if (Region is null)
        {
            return null;
        }

        if (Region.Length is 0 or > MaxRegionLength || Region.Any(char.IsControl))
        {
            errors.Add("region", $"'region' must be 1 to {MaxRegionLength} printable characters.");
        }

        return Region;
    }

    /// <summary>An ISO 4217 code (three capital letters, <c>EUR</c>): only that currency's orders; null for every currency.</summary>
    public string? ParseCurrency(Errors errors)
    {
        if (Currency is null)
        {
            return null;
        }

        if (Currency.Length == 3 && Currency.All(char.IsAsciiLetterUpper))
        {
            return Currency;
        }

        errors.Add("currency", $"'currency' must be an ISO 4217 code: three capital letters such as EUR, not '{Truncate(Currency)}'.");
        return null;
    }

    public GroupBy ParseGroupBy(Errors errors)
    {
        if (GroupBy is null)
        {
            return Queries.GroupBy.Region;
        }

        if (GroupByNames.TryGetValue(GroupBy, out var value))
        {
            return value;
        }

        errors.Add("groupBy", "'groupBy' must be one of: region, month, day, status.");
        return default;
    }

    public int ParseLimit(int fallback, int max, Errors errors)
    {
        if (Limit is null)
        {
            return fallback;
        }

        if (int.TryParse(Limit, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit >= 1 && limit <= max)
        {
            return limit;
        }

        errors.Add("limit", $"'limit' must be a whole number from 1 to {max}.");
        return fallback;
    }

    public ReadConsistency ParseConsistency(Errors errors)
    {
        if (Consistency is null || Consistency.Equals("eventual", StringComparison.OrdinalIgnoreCase))
        {
            return ReadConsistency.Eventual;
        }

        if (Consistency.Equals("session", StringComparison.OrdinalIgnoreCase))
        {
            if (Token is null)
            {
                errors.Add(TokenHeader, $"A session read needs the {TokenHeader} header: the consistencyToken a write returned.");
            }
            else if (!ConsistencyToken.TryParse(Token, out var token))
            {
                errors.Add(TokenHeader, $"'{Truncate(Token)}' is not a consistency token; send back the consistencyToken a write returned.");
            }
            else
            {
                return new ReadConsistency(ConsistencyLevel.Session, Token: token);
            }

            return ReadConsistency.Eventual;
        }

        if (Consistency.Equals("bounded", StringComparison.OrdinalIgnoreCase))
        {
            if (long.TryParse(MaxStalenessMs, NumberStyles.None, CultureInfo.InvariantCulture, out var bound) && bound <= TimeSpan.FromDays(1).TotalMilliseconds)
            {
                return new ReadConsistency(ConsistencyLevel.Bounded, MaxStalenessMs: bound);
            }

            errors.Add("maxStalenessMs", "A bounded read needs 'maxStalenessMs': whole milliseconds from 0 to 86400000.");
            return ReadConsistency.Eventual;
        }

        errors.Add("consistency", "'consistency' must be one of: eventual, session, bounded.");
        return ReadConsistency.Eventual;
    }

    /// <summary>
    /// ISO 8601: a date (<c>2026-11-25</c>: the start of that day, or for <c>to</c> the end of it) or an instant with
    /// an offset or Z (<c>2026-11-25T10:00:00Z</c>). Times without an offset are ambiguous and rejected.
    /// </summary>
    private static DateTime? ParseInstant(string? text, string name, bool endOfDay, Errors errors)
    {
        if (text is null)
        {
            return null;
        }

        if (text.Length == 10 && DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            var start = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
            return Clamp(endOfDay ? start.AddDays(1) : start, name, text, errors);
        }

        if (text.Length <= 40 && (text.EndsWith('Z') || text.LastIndexOfAny(['+', '-']) > 10)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant))
        {
            return Clamp(instant.UtcDateTime, name, text, errors);
        }

        errors.Add(name, $"'{name}' must be an ISO 8601 date (2026-11-25) or instant with an offset (2026-11-25T10:00:00Z), not '{Truncate(text)}'.");
        return null;
    }

    private static DateTime? Clamp(DateTime value, string name, string text, Errors errors)
    {
        if (value < AnalyticsDefinitions.MinTime || value > AnalyticsDefinitions.MaxTime)
        {
            errors.Add(name, $"'{name}' ({Truncate(text)}) must be between {AnalyticsDefinitions.MinTime:yyyy-MM-dd} and {AnalyticsDefinitions.MaxTime:yyyy-MM-dd}.");
            return null;
        }

        return value;
    }

    /// <summary>Echoes a bounded, printable excerpt of a bad value, never the whole of a hostile one.</summary>
    private static string Truncate(string value)
    {
        var clean = new string(value.Take(40).Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return value.Length > 40 ? clean + "…" : clean;
    }
}
