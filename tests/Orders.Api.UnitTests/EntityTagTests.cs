using Microsoft.Extensions.Primitives;
using PolyglotAspire.OrdersApi.Apis;

namespace PolyglotAspire.OrdersApi.UnitTests;

public sealed class EntityTagTests
{
    [Theory]
    [InlineData("\"3\"", 3, true)]
    [InlineData("3", 3, true)]
    [InlineData("\"2\", \"3\"", 3, true)]
    [InlineData("\"4\"", 3, false)]
    [InlineData("*", 99, true)]
    [InlineData("W/\"3\"", 3, false)]
    public void If_match_uses_the_strong_comparison(string header, int version, bool matches)
    {
        Assert.True(EntityTags.TryParseIfMatch(new StringValues(header), out var ifMatch));
        Assert.True(ifMatch.Present);
        Assert.Equal(matches, ifMatch.Matches(version));
    }

    [Fact]
    public void No_header_matches_everything()
    {
        Assert.True(EntityTags.TryParseIfMatch(StringValues.Empty, out var ifMatch));
        Assert.False(ifMatch.Present);
        Assert.True(ifMatch.Matches(42));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("\"abc\"")]
    [InlineData("-1")]
    [InlineData("\"\"")]
    [InlineData("99999999999")]
    [InlineData("W/3")]
    [InlineData("1.5")]
    public void Malformed_headers_are_rejected(string header) => Assert.False(EntityTags.TryParseIfMatch(new StringValues(header), out _));

    [Fact]
    public void The_etag_is_the_quoted_version() => Assert.Equal("\"7\"", EntityTags.For(7));
}
