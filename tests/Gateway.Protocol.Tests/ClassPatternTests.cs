using JdwpGateway.Symbols;
using Xunit;

namespace JdwpGateway.Protocol.Tests;

public sealed class ClassPatternTests
{
    [Theory]
    [InlineData(null, "com.shop.Main", true)]
    [InlineData("", "com.shop.Main", true)]
    [InlineData("com.shop.", "com.shop.Main", true)]
    [InlineData("com.shop.", "com.shopping.Cart", false)]
    [InlineData("com/shop/Main", "com.shop.Main", true)]
    [InlineData("*Service", "fabric.demo.OrderService", true)]
    [InlineData("*Service", "fabric.demo.OrderServiceImpl", false)]
    [InlineData("com.*.Item$Bundle", "com.shop.model.Item$Bundle", true)]
    [InlineData("com.shop.?ain", "com.shop.Main", true)]
    [InlineData("com.shop.?ain", "com.shop.Mainly", false)]
    [InlineData("a.b(c)+", "a.b(c)+", true)]
    public void Prefix_or_glob(string? pattern, string className, bool matches)
    {
        Assert.Equal(matches, ClassPattern.Parse(pattern).Matches(className));
    }
}
