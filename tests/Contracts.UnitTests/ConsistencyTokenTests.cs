
namespace PolyglotAspire.Contracts.UnitTests;

public sealed class ConsistencyTokenTests
{
    [Theory]
    [InlineData(0UL, "0/0")]
    [InlineData(0x16_B374_D848UL, "16/B374D848")]
    [InlineData(ulong.MaxValue, "FFFFFFFF/FFFFFFFF")]
    public void Formats_as_a_PostgreSQL_LSN_and_parses_back(ulong lsn, string text)
    {
        Assert.Equal(text, new ConsistencyToken(lsn).ToString());
        Assert.True(ConsistencyToken.TryParse(text, out var parsed));
        Assert.Equal(lsn, parsed.Lsn);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("16B374D848")]
    [InlineData("/1")]
    [InlineData("1/")]
    [InlineData("1/2/3")]
    [InlineData("G/1")]
    [InlineData("-1/1")]
    [InlineData("123456789/1")]
    [InlineData("1/123456789")]
    [InlineData(" 1/1")]
    [InlineData("1/1'; DROP TABLE orders; --")]
    public void Rejects_anything_that_is_not_a_token(string? text) =>
        Assert.False(ConsistencyToken.TryParse(text, out _));

    [Fact]
    public void Orders_by_WAL_position() =>
        Assert.True(new ConsistencyToken(0x1_0000_0000) > new ConsistencyToken(0xFFFF_FFFF));
}
