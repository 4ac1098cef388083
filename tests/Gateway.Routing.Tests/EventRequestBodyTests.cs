using JdwpGateway.Protocol;
using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Spec;
using JdwpGateway.Routing.Requests;
using Xunit;

namespace JdwpGateway.Routing.Tests;

public sealed class EventRequestBodyTests
{
    /// <summary>Breakpoint, SUSPEND_ALL, with Count, PlatformThreadsOnly, a location and ClassMatch.</summary>
    private static byte[] Request() => new JdwpWriter()
        .Byte((byte)EventKind.Breakpoint).Byte((byte)SuspendPolicy.All).Int(4)
        .Byte((byte)ModKind.Count).Int(3)
        .Byte((byte)ModKind.PlatformThreadsOnly)
        .Byte((byte)ModKind.LocationOnly).Byte(1).Id(0x1111, 8).Id(0x2222, 8).Long(7)
        .Byte((byte)ModKind.ClassMatch).String("fabric.*")
        .ToArray();

    [Fact]
    public void ModifierKinds_ListsEveryModifierInOrder() =>
        Assert.Equal([(byte)ModKind.Count, (byte)ModKind.PlatformThreadsOnly, (byte)ModKind.LocationOnly, (byte)ModKind.ClassMatch], EventRequestBody.ModifierKinds(Request()));

    [Fact]
    public void Without_DropsOnlyTheSelectedModifierAndFixesTheCount()
    {
        var edited = EventRequestBody.Without(Request(), kind => kind == (byte)ModKind.PlatformThreadsOnly);
        var expected = new JdwpWriter()
            .Byte((byte)EventKind.Breakpoint).Byte((byte)SuspendPolicy.All).Int(3)
            .Byte((byte)ModKind.Count).Int(3)
            .Byte((byte)ModKind.LocationOnly).Byte(1).Id(0x1111, 8).Id(0x2222, 8).Long(7)
            .Byte((byte)ModKind.ClassMatch).String("fabric.*")
            .ToArray();
        Assert.Equal(expected, edited);
    }

    [Fact]
    public void Without_NothingSelected_ReturnsTheSameBytes() =>
        Assert.Equal(Request(), EventRequestBody.Without(Request(), _ => false));

    [Fact]
    public void Without_UnknownModifier_ThrowsWithItsOffset()
    {
        var body = new JdwpWriter().Byte(2).Byte(0).Int(1).Byte(99).ToArray();
        var ex = Assert.Throws<JdwpProtocolException>(() => EventRequestBody.Without(body, _ => false));
        Assert.Equal(JdwpPacket.HeaderLength + 6, ex.Offset);
    }
}
