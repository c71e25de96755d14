using System.Globalization;
using Microsoft.Extensions.Primitives;
using PolyglotAspire.OrdersApi.Application;

namespace PolyglotAspire.OrdersApi.Apis;

/// <summary>
/// Entity tags of orders: the version, as a strong ETag (<c>"3"</c>). <c>If-Match</c> accepts <c>"3"</c>, a bare
/// <c>3</c> (the form the issue names), a list, or <c>*</c>. Weak tags never match (RFC 9110 §13.1.1 uses the strong
/// comparison). Anything else is a malformed header (400).
/// </summary>
public static class EntityTags
{
    private const int MaxTags = 16;

    public static string For(int version) => string.Create(CultureInfo.InvariantCulture, $"\"{version}\"");

    public static bool TryParseIfMatch(StringValues header, out VersionPrecondition ifMatch)
    {
        ifMatch = VersionPrecondition.None;
        if (StringValues.IsNullOrEmpty(header))
        {
            return true;
        }

        var versions = new List<int>();
        foreach (var value in header)
        {
            if (value is null)
            {
                continue;
            }

            foreach (var raw in value.Split(',', StringSplitOptions.TrimEntries))
            {
                if (raw.Length == 0)
                {
                    continue;
                }

                if (raw == "*")
                {
                    ifMatch = new VersionPrecondition(true, true, []);
                    return true;
                }

                var weak = raw.StartsWith("W/", StringComparison.Ordinal);
                var tag = weak ? raw[2..] : raw;
                if (tag.Length >= 2 && tag[0] == '"' && tag[^1] == '"')
                {
                    tag = tag[1..^1];
                }
                else if (weak)
                {
                    return false;
                }

                if (tag.Length is 0 or > 10 || !tag.All(char.IsAsciiDigit)
                    || !int.TryParse(tag, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
                {
                    return false;
                }

                if (!weak)
                {
                    versions.Add(version);
                }

                if (versions.Count > MaxTags)
                {
                    return false;
                }
            }
        }

        ifMatch = new VersionPrecondition(true, false, versions);
        return true;
    }
}
