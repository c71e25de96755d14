using PolyglotAspire.OrdersApi.Apis;

namespace PolyglotAspire.OrdersApi.UnitTests;

public sealed class PageCursorTests
{
    [Fact]
    public void A_cursor_round_trips_and_is_opaque()
    {
        var id = Guid.CreateVersion7();
        var cursor = PageCursor.Encode(id);
        Assert.Equal(PageCursor.TextLength, cursor.Length);
        Assert.DoesNotContain(id.ToString("N"), cursor, StringComparison.OrdinalIgnoreCase);
        Assert.True(PageCursor.TryDecode(cursor, out var decoded));
        Assert.Equal(id, decoded);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("AQGiEllDd3rRvoraw0OXb6")]
    [InlineData("AQGiEllDd3rRvoraw0OXb6sx")]
    [InlineData("AgGiEllDd3rRvoraw0OXb6s")]
    [InlineData("!QGiEllDd3rRvoraw0OXb6s")]
    [InlineData("01a21259-36b7-79f2-8503")]
    public void Anything_else_is_rejected(string? text) => Assert.False(PageCursor.TryDecode(text, out _));
}
