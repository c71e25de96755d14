using System.Globalization;
using Microsoft.Extensions.Primitives;

namespace PolyglotAspire.OrdersApi.Consistency;

/// <summary>
/// The <c>Prefer</c> request header (RFC 7240) as far as writes care: <c>consistency=strong</c> asks the write to
/// return only once analytics shows it; an optional <c>wait=&lt;seconds&gt;</c> shortens how long the caller will wait.
/// Unknown preferences are ignored, as RFC 7240 asks.
/// </summary>
public readonly record struct StrongConsistencyPreference(bool Requested, TimeSpan? Wait)
{
    public const string Token = "consistency=strong";

    public static StrongConsistencyPreference Parse(StringValues prefer)
    {
        var requested = false;
        TimeSpan? wait = null;
        foreach (var header in prefer)
        {
            foreach (var part in (header ?? "").Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var (name, value) = part.IndexOf('=', StringComparison.Ordinal) is var eq and >= 0
                    ? (part[..eq].Trim(), part[(eq + 1)..].Trim().Trim('"'))
                    : (part, "");
                if (name.Equals("consistency", StringComparison.OrdinalIgnoreCase) && value.Equals("strong", StringComparison.OrdinalIgnoreCase))
                {
                    requested = true;
                }
                else if (name.Equals("wait", StringComparison.OrdinalIgnoreCase)
                         && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
                {
                    wait = TimeSpan.FromSeconds(seconds);
                }
            }
        }

        return new StrongConsistencyPreference(requested, wait);
    }

    /// <summary>How long to wait for visibility: the caller's <c>wait</c>, never more than <paramref name="max"/>.</summary>
    public TimeSpan Budget(TimeSpan max) => Wait is { } wait && wait < max ? wait : max;
}
