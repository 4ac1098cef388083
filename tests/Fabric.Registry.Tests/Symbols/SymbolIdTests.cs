using System.Text;
using Fabric.Registry.Symbols;

namespace Fabric.Registry.Tests.Symbols;

public class SymbolIdTests
{
    [Fact]
    public void IdIsTheSha256OfTheBytes()
    {
        // The SHA-256 of "abc" from FIPS 180-2, appendix B.1.
        var id = SymbolId.Of("abc"u8);
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", id.ToString());
    }

    [Fact]
    public void SameBytesSameIdAnyChangeNewId()
    {
        var bytes = Encoding.ASCII.GetBytes("class bytes");
        var changed = (byte[])bytes.Clone();
        changed[^1] ^= 1;
        Assert.Equal(SymbolId.Of(bytes), SymbolId.Of((byte[])bytes.Clone()));
        Assert.NotEqual(SymbolId.Of(bytes), SymbolId.Of(changed));
        Assert.True(SymbolId.Of(bytes).Matches(bytes));
        Assert.False(SymbolId.Of(bytes).Matches(changed));
    }

    [Fact]
    public void HexRoundTripsInEitherCase()
    {
        var id = SymbolId.Of("x"u8);
        Assert.Equal(id, SymbolId.Parse(id.ToString()));
        Assert.Equal(id, SymbolId.Parse(id.ToString().ToUpperInvariant()));
        Assert.Equal(id, new SymbolId(id.ToBytes()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("zz7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad00")]
    public void RejectsWhatIsNotSixtyFourHexDigits(string text)
    {
        Assert.False(SymbolId.TryParse(text, out _));
        Assert.Throws<FormatException>(() => SymbolId.Parse(text));
    }
}
