using System.Buffers;
using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Framing;
using JdwpGateway.Protocol.Spec;
using Xunit;

namespace JdwpGateway.Protocol.Tests;

public class PacketRewriterTests
{
    private const ulong D = 0x100;

    private static readonly IdSizes Four = new(4, 4, 4, 4, 4);

    // ---------------------------------------------------------------- ID translation on real layouts

    [Fact]
    public void Rewrite_ThreadReferenceFramesReply_MapsFramesAndLocationsWithClassAsMethodContext()
    {
        var body = FramesReply(idSize: 8);
        var mapper = new RecordingMapper();

        var result = PacketRewriter.Rewrite(body, Reply(11, 6), IdSizes.Eight, IdSizes.Eight, mapper, contextType: 0x999);

        var expected = new Bytes().I32(2)
            .Id(0x10 + D).Loc(1, 0xC1 + D, 0xE1 + D, 5)
            .Id(0x11 + D).Loc(2, 0xC2 + D, 0xE2 + D, long.MinValue)
            .ToArray();
        Assert.Equal(expected, result);
        Assert.Equal(
            [
                (IdKind.Frame, 0x10UL, 0x999UL), (IdKind.Class, 0xC1UL, 0x999UL), (IdKind.Method, 0xE1UL, 0xC1UL),

                // The first location's class must not leak into the next frame: the seeded context is restored.
                (IdKind.Frame, 0x11UL, 0x999UL), (IdKind.Class, 0xC2UL, 0x999UL), (IdKind.Method, 0xE2UL, 0xC2UL),
            ],
            mapper.Calls);
    }

    [Fact]
    public void Rewrite_FrameIdZero_IsMappedLikeAnyFrame_WhileOtherZeroIdsStayNull()
    {
        // HotSpot numbers a thread's frames from 0, so frame 0 is a real frame; a null location stays all zeros.
        var body = new Bytes().I32(1).Id(0).Loc(0, 0, 0, 0).ToArray();
        var mapper = new RecordingMapper();

        var result = PacketRewriter.Rewrite(body, Reply(11, 6), IdSizes.Eight, IdSizes.Eight, mapper);

        Assert.Equal(new Bytes().I32(1).Id(D).Loc(0, 0, 0, 0).ToArray(), result);
        Assert.Equal([(IdKind.Frame, 0UL, 0UL)], mapper.Calls);
    }

    [Fact]
    public void Rewrite_ReferenceTypeMethodsReply_UsesSeededContextTypeForMethodIds()
    {
        var body = new Bytes().I32(2)
            .Id(0x501).Str("run").Str("()V").I32(1)
            .Id(0x502).Str("<init>").Str("(I)V").I32(0x12345678)
            .ToArray();
        var mapper = new RecordingMapper();

        var result = PacketRewriter.Rewrite(body, Reply(2, 5), IdSizes.Eight, IdSizes.Eight, mapper, contextType: 0xABC);

        var expected = new Bytes().I32(2)
            .Id(0x501 + D).Str("run").Str("()V").I32(1)
            .Id(0x502 + D).Str("<init>").Str("(I)V").I32(0x12345678)
            .ToArray();
        Assert.Equal(expected, result);
        Assert.Equal([(IdKind.Method, 0x501UL, 0xABCUL), (IdKind.Method, 0x502UL, 0xABCUL)], mapper.Calls);
    }

    [Fact]
    public void Rewrite_MethodLineTableCommand_MethodGetsPrecedingRefTypeAsContext()
    {
        var body = new Bytes().Id(0x77).Id(0x88).ToArray();
        var mapper = new RecordingMapper();

        var result = PacketRewriter.Rewrite(body, Out(6, 1), IdSizes.Eight, IdSizes.Eight, mapper);

        Assert.Equal(new Bytes().Id(0x77 + D).Id(0x88 + D).ToArray(), result);
        Assert.Equal([(IdKind.ReferenceType, 0x77UL, 0UL), (IdKind.Method, 0x88UL, 0x77UL)], mapper.Calls);
    }

    [Fact]
    public void Rewrite_StackFrameGetValuesReply_MapsObjectTagsAndCopiesPrimitivesExactly()
    {
        var mapper = new RecordingMapper();

        var result = PacketRewriter.Rewrite(AllTagsValues(), Reply(16, 1), IdSizes.Eight, IdSizes.Eight, mapper);

        var expected = new Bytes().I32(17)
            .Tag('B').U8(0x81)
            .Tag('Z').U8(0x01)
            .Tag('C').Raw(0xFF, 0xFE)
            .Tag('S').Raw(0x80, 0x01)
            .Tag('I').Raw(0xDE, 0xAD, 0xBE, 0xEF)
            .Tag('F').Raw(0x7F, 0xC0, 0x00, 0x01)
            .Tag('J').Raw(0x80, 1, 2, 3, 4, 5, 6, 0xFF)
            .Tag('D').Raw(0xFF, 0xF8, 0, 0, 0, 0, 0, 0x11)
            .Tag('V')
            .Tag('L').Id(0x1001 + D)
            .Tag('[').Id(0x1002 + D)
            .Tag('s').Id(0x1003 + D)
            .Tag('t').Id(0x1004 + D)
            .Tag('g').Id(0x1005 + D)
            .Tag('l').Id(0x1006 + D)
            .Tag('c').Id(0x1007 + D)
            .Tag('L').Id(0)
            .ToArray();
        Assert.Equal(expected, result);
        Assert.Equal(
            new[] { IdKind.Object, IdKind.Array, IdKind.String, IdKind.Thread, IdKind.ThreadGroup, IdKind.ClassLoader, IdKind.ClassObject },
            mapper.Calls.Select(c => c.Kind));
        Assert.Equal(Enumerable.Range(0x1001, 7).Select(i => (ulong)i), mapper.Calls.Select(c => c.Id));
    }

    [Fact]
    public void Rewrite_ArrayReferenceGetValuesReply_ObjectRegionMapsEachTaggedElement()
    {
        var body = new Bytes().Tag('L').I32(3).Tag('L').Id(0x50).Tag('s').Id(0x51).Tag('L').Id(0).ToArray();
        var mapper = new RecordingMapper();

        var result = PacketRewriter.Rewrite(body, Reply(13, 2), IdSizes.Eight, IdSizes.Eight, mapper);

        Assert.Equal(new Bytes().Tag('L').I32(3).Tag('L').Id(0x50 + D).Tag('s').Id(0x51 + D).Tag('L').Id(0).ToArray(), result);
        Assert.Equal([(IdKind.Object, 0x50UL, 0UL), (IdKind.String, 0x51UL, 0UL)], mapper.Calls);
    }

    [Theory]
    [InlineData('B', 1)]
    [InlineData('Z', 1)]
    [InlineData('C', 2)]
    [InlineData('S', 2)]
    [InlineData('I', 4)]
    [InlineData('F', 4)]
    [InlineData('J', 8)]
    [InlineData('D', 8)]
    public void Rewrite_ArrayReferenceGetValuesReply_PrimitiveRegionCopiedUntagged(char tag, int size)
    {
        const int count = 5;
        var values = Enumerable.Range(0, count * size).Select(i => (byte)(0xF0 ^ i)).ToArray();
        var body = new Bytes().Tag(tag).I32(count).Raw(values).ToArray();
        var mapper = new RecordingMapper();

        // Converting the ID width must not touch primitive elements either.
        var result = PacketRewriter.Rewrite(body, Reply(13, 2), IdSizes.Eight, Four, mapper);

        Assert.Equal(body, result);
        Assert.Empty(mapper.Calls);
    }

    [Fact]
    public void Rewrite_EventRequestSet_EveryModifierKindTranslated()
    {
        var mapper = new RecordingMapper();

        var result = PacketRewriter.Rewrite(EventRequestSetAllModifiers(idSize: 8, delta: 0), Out(15, 1), IdSizes.Eight, IdSizes.Eight, mapper);

        Assert.Equal(EventRequestSetAllModifiers(idSize: 8, delta: D), result);
        Assert.Equal(
            [
                (IdKind.Thread, 0x30UL), (IdKind.ReferenceType, 0x40UL), (IdKind.Class, 0x70UL), (IdKind.Method, 0x71UL),
                (IdKind.ReferenceType, 0x80UL), (IdKind.ReferenceType, 0x90UL), (IdKind.Field, 0x91UL), (IdKind.Thread, 0xA0UL),
                (IdKind.Object, 0xB0UL),
            ],
            mapper.Calls.Select(c => (c.Kind, c.Id)));

        // Member IDs are scoped by their type: the location's class for the method, FieldOnly's declaring type for the field.
        Assert.Equal(0x70UL, mapper.Calls.Single(c => c.Kind == IdKind.Method).ContextType);
        Assert.Equal(0x90UL, mapper.Calls.Single(c => c.Kind == IdKind.Field).ContextType);
        Assert.DoesNotContain(mapper.Calls, c => c.Id == 0);
    }

    [Fact]
    public void Rewrite_EventRequestSetReplyAndClear_MapRequestIds()
    {
        var mapper = new RecordingMapper();

        var reply = PacketRewriter.Rewrite(new Bytes().I32(17).ToArray(), Reply(15, 1), IdSizes.Eight, IdSizes.Eight, mapper);
        var clear = PacketRewriter.Rewrite(new Bytes().U8(2).I32(-5).ToArray(), Out(15, 2), IdSizes.Eight, IdSizes.Eight, mapper);

        Assert.Equal(new Bytes().I32(1017).ToArray(), reply);
        Assert.Equal(new Bytes().U8(2).I32(995).ToArray(), clear);
        Assert.Equal([17, -5], mapper.Requests);
    }

    [Fact]
    public void Rewrite_EventComposite_BreakpointClassPrepareException_NullCatchLocationStaysZero()
    {
        var mapper = new RecordingMapper();

        var result = PacketRewriter.Rewrite(CompositeBody(idSize: 8, delta: 0, requestDelta: 0), Out(64, 100), IdSizes.Eight, IdSizes.Eight, mapper);

        Assert.Equal(CompositeBody(idSize: 8, delta: D, requestDelta: 1000), result);
        Assert.Equal([5, 6, 7], mapper.Requests);
        Assert.Equal(
            [
                (IdKind.Thread, 0x31UL, 0UL), (IdKind.Class, 0xC1UL, 0UL), (IdKind.Method, 0xE1UL, 0xC1UL),
                (IdKind.Thread, 0x31UL, 0UL), (IdKind.ReferenceType, 0xC9UL, 0UL),
                (IdKind.Thread, 0x31UL, 0xC9UL), (IdKind.Class, 0xC1UL, 0xC9UL), (IdKind.Method, 0xE1UL, 0xC1UL), (IdKind.Object, 0xEEUL, 0xC9UL),
            ],
            mapper.Calls);
        Assert.DoesNotContain(mapper.Calls, c => c.Id == 0);
    }

    [Fact]
    public void Rewrite_ObjectReferenceSetValues_UntaggedValuesUseTagOfPrecedingField()
    {
        var body = new Bytes().Id(0x77).I32(2)
            .Id(0xF1).Id(0x55)
            .Id(0xF2).I32(0x01020304)
            .ToArray();
        var mapper = new RecordingMapper { UntaggedTags = { [0xF1] = (byte)'L', [0xF2] = (byte)'I' } };

        var result = PacketRewriter.Rewrite(body, Out(9, 3), IdSizes.Eight, IdSizes.Eight, mapper);

        var expected = new Bytes().Id(0x77 + D).I32(2)
            .Id(0xF1 + D).Id(0x55 + D)
            .Id(0xF2 + D).I32(0x01020304)
            .ToArray();
        Assert.Equal(expected, result);

        // The subject is the field ID as found in the source packet, not the mapped one.
        Assert.Equal([UntaggedSource.PrecedingField, UntaggedSource.PrecedingField], mapper.UntaggedCalls.Select(c => c.Source));
        Assert.Equal([0xF1UL, 0xF2UL], mapper.UntaggedCalls.Select(c => c.Subject));
        Assert.Equal([(IdKind.Object, 0x77UL), (IdKind.Field, 0xF1UL), (IdKind.Object, 0x55UL), (IdKind.Field, 0xF2UL)], mapper.Calls.Select(c => (c.Kind, c.Id)));
    }

    [Fact]
    public void Rewrite_ObjectReferenceSetValues_UntaggedObjectShrinksWithIdWidth()
    {
        var body = new Bytes().Id(0x77).I32(2).Id(0xF1).Id(0x55).Id(0xF2).I32(-2).ToArray();
        var mapper = new RecordingMapper(0) { UntaggedTags = { [0xF1] = (byte)'L', [0xF2] = (byte)'I' } };

        var result = PacketRewriter.Rewrite(body, Out(9, 3), IdSizes.Eight, Four, mapper);

        Assert.Equal(new Bytes().Id(0x77, 4).I32(2).Id(0xF1, 4).Id(0x55, 4).Id(0xF2, 4).I32(-2).ToArray(), result);
    }

    [Fact]
    public void Rewrite_ClassTypeSetValues_FieldsAndUntaggedTagsScopedByClass()
    {
        var body = new Bytes().Id(0xC0).I32(1).Id(0xF9).Raw(0x12, 0x34).ToArray();
        var mapper = new RecordingMapper { UntaggedTags = { [0xF9] = (byte)'S' } };

        var result = PacketRewriter.Rewrite(body, Out(3, 2), IdSizes.Eight, IdSizes.Eight, mapper);

        Assert.Equal(new Bytes().Id(0xC0 + D).I32(1).Id(0xF9 + D).Raw(0x12, 0x34).ToArray(), result);
        Assert.Equal((IdKind.Field, 0xF9UL, 0xC0UL), mapper.Calls[1]);
        Assert.Equal((UntaggedSource.PrecedingField, 0xF9UL, 0xC0UL), Assert.Single(mapper.UntaggedCalls));
    }

    [Fact]
    public void Rewrite_ArrayReferenceSetValues_UntaggedValuesUseArrayComponentTag()
    {
        var body = new Bytes().Id(0xA1).I32(4).I32(3).Raw(0, 1).Raw(0, 2).Raw(0xFF, 0xFF).ToArray();
        var mapper = new RecordingMapper { UntaggedTags = { [0xA1] = (byte)'S' } };

        var result = PacketRewriter.Rewrite(body, Out(13, 3), IdSizes.Eight, IdSizes.Eight, mapper);

        Assert.Equal(new Bytes().Id(0xA1 + D).I32(4).I32(3).Raw(0, 1).Raw(0, 2).Raw(0xFF, 0xFF).ToArray(), result);
        Assert.All(mapper.UntaggedCalls, c => Assert.Equal((UntaggedSource.ArrayComponent, 0xA1UL), (c.Source, c.Subject)));
        Assert.Equal(3, mapper.UntaggedCalls.Count);
    }

    // ---------------------------------------------------------------- ID width conversion

    [Fact]
    public void Rewrite_FramesReply8To4To8_RoundTripsAndHeaderLengthStaysConsistent()
    {
        var eight = FramesReply(idSize: 8);
        var identity = new RecordingMapper(0);

        var four = PacketRewriter.Rewrite(eight, Reply(11, 6), IdSizes.Eight, Four, identity);
        var back = PacketRewriter.Rewrite(four, Reply(11, 6), Four, IdSizes.Eight, identity);

        Assert.Equal(FramesReply(idSize: 4), four);
        Assert.Equal(eight.Length - (6 * 4), four.Length);
        Assert.Equal(eight, back);

        // A packet built around the narrower body announces exactly its length and frames back identically.
        var packet = JdwpPacket.NewReply(9, 0, four);
        var wire = new byte[packet.Length];
        packet.CopyTo(wire);
        Assert.Equal(JdwpPacket.HeaderLength + four.Length, packet.Length);
        Assert.Equal(wire.Length, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(wire));
        var buffer = new ReadOnlySequence<byte>(wire);
        Assert.True(JdwpFrameReader.TryReadPacket(ref buffer, JdwpFrameReader.DefaultMaxPacketLength, "t", 0, out var framed));
        Assert.Equal(four, framed!.Body);
        Assert.Equal(0, buffer.Length);
    }

    [Fact]
    public void Rewrite_MixedIdWidths_EachKindUsesItsOwnWidth()
    {
        // fieldID 2, methodID 4, objectID 8, referenceTypeID 4, frameID 1: exercise each width separately.
        var mixed = new IdSizes(FieldId: 2, MethodId: 4, ObjectId: 8, ReferenceTypeId: 4, FrameId: 1);
        var identity = new RecordingMapper(0);

        var frames = PacketRewriter.Rewrite(FramesReply(idSize: 8), Reply(11, 6), IdSizes.Eight, mixed, identity);
        var fieldOnly = new Bytes().U8(20).U8(1).I32(1).U8(9).Id(0x90).Id(0x91).ToArray();
        var field = PacketRewriter.Rewrite(fieldOnly, Out(15, 1), IdSizes.Eight, mixed, identity);

        Assert.Equal(
            new Bytes().I32(2)
                .Id(0x10, 1).U8(1).Id(0xC1, 4).Id(0xE1, 4).I64(5)
                .Id(0x11, 1).U8(2).Id(0xC2, 4).Id(0xE2, 4).I64(long.MinValue)
                .ToArray(),
            frames);
        Assert.Equal(new Bytes().U8(20).U8(1).I32(1).U8(9).Id(0x90, 4).Id(0x91, 2).ToArray(), field);
        Assert.Equal(fieldOnly, PacketRewriter.Rewrite(field, Out(15, 1), mixed, IdSizes.Eight, identity));
    }

    [Fact]
    public void Rewrite_EventCompositeAndEventRequestSet_4To8_MatchesBodiesBuiltAt8()
    {
        var identity = new RecordingMapper(0);

        Assert.Equal(
            CompositeBody(idSize: 8, delta: 0, requestDelta: 1000),
            PacketRewriter.Rewrite(CompositeBody(idSize: 4, delta: 0, requestDelta: 0), Out(64, 100), Four, IdSizes.Eight, identity));
        Assert.Equal(
            EventRequestSetAllModifiers(idSize: 8, delta: 0),
            PacketRewriter.Rewrite(EventRequestSetAllModifiers(idSize: 4, delta: 0), Out(15, 1), Four, IdSizes.Eight, identity));
    }

    [Fact]
    public void RewritePrefix_OneEventOfComposite_ReturnsBytesTakenAndReportsOffsetsFromBase()
    {
        var breakpoint = ((Select)((Repeat)Out(64, 100).Elements[1]).Body.Elements[0]).Cases[2].Body;
        var oneEvent = new Bytes().I32(5).Id(0x31).Loc(1, 0xC1, 0xE1, 10).ToArray();
        var writer = new JdwpWriter();
        var source = oneEvent.Concat(new byte[] { 0xAA, 0xBB }).ToArray();

        var taken = PacketRewriter.RewritePrefix(source, 40, breakpoint, IdSizes.Eight, IdSizes.Eight, new RecordingMapper(), writer);

        Assert.Equal(oneEvent.Length, taken);
        Assert.Equal(new Bytes().I32(1005).Id(0x31 + D).Loc(1, 0xC1 + D, 0xE1 + D, 10).ToArray(), writer.ToArray());

        var ex = Assert.Throws<JdwpProtocolException>(
            () => PacketRewriter.RewritePrefix(oneEvent.AsSpan(0, 6), 40, breakpoint, IdSizes.Eight, IdSizes.Eight, new RecordingMapper(), new JdwpWriter()));
        Assert.Equal(44, ex.Offset);
    }

    // ---------------------------------------------------------------- malformed bodies

    public static TheoryData<string> ValidBodies() => new(ValidBodyCases.Keys);

    [Theory]
    [MemberData(nameof(ValidBodies))]
    public void Rewrite_ValidBodyTruncatedAtEveryPosition_ThrowsProtocolExceptionInsideBody(string name)
    {
        var (layout, body, mapper) = ValidBodyCases[name]();
        PacketRewriter.Rewrite(body, layout, IdSizes.Eight, IdSizes.Eight, mapper);

        for (var cut = 0; cut < body.Length; cut++)
        {
            var truncated = body[..cut];

            var ex = Assert.Throws<JdwpProtocolException>(() => PacketRewriter.Rewrite(truncated, layout, IdSizes.Eight, IdSizes.Eight, mapper));

            Assert.InRange(ex.Offset, JdwpPacket.HeaderLength, JdwpPacket.HeaderLength + cut);
        }
    }

    [Theory]
    [MemberData(nameof(ValidBodies))]
    public void Rewrite_ValidBodyWithExtraTrailingByte_ThrowsAtEndOfLayout(string name)
    {
        var (layout, body, mapper) = ValidBodyCases[name]();

        var ex = Assert.Throws<JdwpProtocolException>(
            () => PacketRewriter.Rewrite([.. body, 0x00], layout, IdSizes.Eight, IdSizes.Eight, mapper));

        Assert.Equal(JdwpPacket.HeaderLength + body.Length, ex.Offset);
        Assert.Contains("1 bytes left", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Rewrite_StringLengthBeyondEnd_ThrowsAtLengthField()
    {
        var body = new Bytes().I32(1).Id(0x501).I32(100).Raw(1, 2, 3).ToArray();

        var ex = Assert.Throws<JdwpProtocolException>(
            () => PacketRewriter.Rewrite(body, Reply(2, 5), IdSizes.Eight, IdSizes.Eight, new RecordingMapper()));

        Assert.Equal(11 + 4 + 8, ex.Offset);
        Assert.Contains("string length 100", ex.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void Rewrite_NegativeStringLength_Throws(int length)
    {
        var body = new Bytes().I32(length).ToArray();

        var ex = Assert.Throws<JdwpProtocolException>(
            () => PacketRewriter.Rewrite(body, Out(1, 2), IdSizes.Eight, IdSizes.Eight, new RecordingMapper()));

        Assert.Equal(11, ex.Offset);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    [InlineData(int.MaxValue)]
    public void Rewrite_ImpossibleRepeatCount_ThrowsAtCountField(int count)
    {
        var body = new Bytes().Id(0x10).Id(0x20).I32(count).I32(0).U8(0).ToArray();

        var ex = Assert.Throws<JdwpProtocolException>(
            () => PacketRewriter.Rewrite(body, Out(16, 1), IdSizes.Eight, IdSizes.Eight, new RecordingMapper()));

        Assert.Equal(11 + 16, ex.Offset);
        Assert.Contains("repeat count", ex.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(100)]
    [InlineData(255)]
    public void Rewrite_EventCompositeUnknownEventKind_ThrowsAtSelector(byte kind)
    {
        var body = new Bytes().U8(2).I32(1).U8(kind).I32(1).Id(0x31).ToArray();

        var ex = Assert.Throws<JdwpProtocolException>(
            () => PacketRewriter.Rewrite(body, Out(64, 100), IdSizes.Eight, IdSizes.Eight, new RecordingMapper()));

        Assert.Equal(11 + 5, ex.Offset);
        Assert.Contains(kind.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(14)]
    [InlineData(200)]
    public void Rewrite_EventRequestSetUnknownModifier_ThrowsAtModKind(byte modKind)
    {
        var body = new Bytes().U8(2).U8(1).I32(2).U8(1).I32(3).U8(modKind).I32(0).ToArray();

        var ex = Assert.Throws<JdwpProtocolException>(
            () => PacketRewriter.Rewrite(body, Out(15, 1), IdSizes.Eight, IdSizes.Eight, new RecordingMapper()));

        Assert.Equal(11 + 2 + 4 + 5, ex.Offset);
    }

    [Theory]
    [InlineData('X')]
    [InlineData('\0')]
    [InlineData('T')]
    public void Rewrite_UnknownValueTag_ThrowsAtTag(char tag)
    {
        var body = new Bytes().I32(2).Tag('I').I32(1).Tag(tag).Id(0x42).ToArray();

        var ex = Assert.Throws<JdwpProtocolException>(
            () => PacketRewriter.Rewrite(body, Reply(16, 1), IdSizes.Eight, IdSizes.Eight, new RecordingMapper()));

        Assert.Equal(11 + 4 + 5, ex.Offset);
        Assert.Contains("value tag", ex.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData('I')]
    [InlineData('V')]
    [InlineData('X')]
    public void Rewrite_TaggedObjectWithNonObjectTag_ThrowsAtTag(char tag)
    {
        var body = new Bytes().Tag(tag).Id(0x42).ToArray();

        var ex = Assert.Throws<JdwpProtocolException>(
            () => PacketRewriter.Rewrite(body, Reply(16, 3), IdSizes.Eight, IdSizes.Eight, new RecordingMapper()));

        Assert.Equal(11, ex.Offset);
    }

    [Theory]
    [InlineData('X', 0)]
    [InlineData('X', 1)]
    [InlineData('\0', 1)]
    public void Rewrite_ArrayRegionWithUnknownTag_ThrowsAtTag(char tag, int count)
    {
        // An array region's tag is the component type: a primitive tag or an object tag. Anything else is malformed;
        // accepting it forwards garbage that the debugger cannot parse.
        var body = new Bytes().Tag(tag).I32(count);
        for (var i = 0; i < count; i++)
        {
            body.Tag('I').I32(i);
        }

        var ex = Assert.Throws<JdwpProtocolException>(
            () => PacketRewriter.Rewrite(body.ToArray(), Reply(13, 2), IdSizes.Eight, IdSizes.Eight, new RecordingMapper()));

        Assert.Equal(11, ex.Offset);
    }

    [Fact]
    public void ProtocolException_At_KeepsOffsetAndProblemAndAddsLocation()
    {
        var body = new Bytes().I32(1).ToArray();
        var ex = Assert.Throws<JdwpProtocolException>(
            () => PacketRewriter.Rewrite(body, Reply(11, 6), IdSizes.Eight, IdSizes.Eight, new RecordingMapper()));

        var placed = ex.At("node-a#2", 77, "ThreadReference.Frames");

        Assert.Equal(ex.Offset, placed.Offset);
        Assert.Equal(ex.Problem, placed.Problem);
        Assert.Equal("node-a#2", placed.Connection);
        Assert.Equal(77, placed.PacketId);
        Assert.Contains("node-a#2", placed.Message, StringComparison.Ordinal);
        Assert.Contains("packet id 77", placed.Message, StringComparison.Ordinal);
        Assert.Contains("(ThreadReference.Frames)", placed.Message, StringComparison.Ordinal);
        Assert.Contains($"offset {ex.Offset}", placed.Message, StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- bodies

    private static readonly Dictionary<string, Func<(Layout Layout, byte[] Body, RecordingMapper Mapper)>> ValidBodyCases = new()
    {
        ["ThreadReference.Frames reply"] = () => (Reply(11, 6), FramesReply(8), new RecordingMapper()),
        ["StackFrame.GetValues reply"] = () => (Reply(16, 1), AllTagsValues(), new RecordingMapper()),
        ["ArrayReference.GetValues object region"] = () => (Reply(13, 2), new Bytes().Tag('[').I32(2).Tag('[').Id(1).Tag('s').Id(2).ToArray(), new RecordingMapper()),
        ["ArrayReference.GetValues long region"] = () => (Reply(13, 2), new Bytes().Tag('J').I32(2).I64(1).I64(-1).ToArray(), new RecordingMapper()),
        ["EventRequest.Set"] = () => (Out(15, 1), EventRequestSetAllModifiers(8, 0), new RecordingMapper()),
        ["Event.Composite"] = () => (Out(64, 100), CompositeBody(8, 0, 0), new RecordingMapper()),
        ["ReferenceType.Methods reply"] = () => (Reply(2, 5), new Bytes().I32(1).Id(1).Str("m").Str("()V").I32(1).ToArray(), new RecordingMapper()),
        ["ObjectReference.SetValues"] = () => (
            Out(9, 3),
            new Bytes().Id(0x77).I32(2).Id(0xF1).Id(0x55).Id(0xF2).I32(9).ToArray(),
            new RecordingMapper { UntaggedTags = { [0xF1] = (byte)'L', [0xF2] = (byte)'I' } }),
        ["VirtualMachine.Version reply"] = () => (Reply(1, 1), new Bytes().Str("d").I32(1).I32(8).Str("25").Str("HotSpot").ToArray(), new RecordingMapper()),
    };

    private static Layout Out(byte set, byte command) => (JdwpSpec.Find(set, command) ?? throw new InvalidOperationException($"{set}/{command}")).Out;

    private static Layout Reply(byte set, byte command) => (JdwpSpec.Find(set, command) ?? throw new InvalidOperationException($"{set}/{command}")).Reply;

    private static byte[] FramesReply(int idSize) => new Bytes().I32(2)
        .Id(0x10, idSize).Loc(1, 0xC1, 0xE1, 5, idSize)
        .Id(0x11, idSize).Loc(2, 0xC2, 0xE2, long.MinValue, idSize)
        .ToArray();

    private static byte[] AllTagsValues() => new Bytes().I32(17)
        .Tag('B').U8(0x81)
        .Tag('Z').U8(0x01)
        .Tag('C').Raw(0xFF, 0xFE)
        .Tag('S').Raw(0x80, 0x01)
        .Tag('I').Raw(0xDE, 0xAD, 0xBE, 0xEF)
        .Tag('F').Raw(0x7F, 0xC0, 0x00, 0x01)
        .Tag('J').Raw(0x80, 1, 2, 3, 4, 5, 6, 0xFF)
        .Tag('D').Raw(0xFF, 0xF8, 0, 0, 0, 0, 0, 0x11)
        .Tag('V')
        .Tag('L').Id(0x1001)
        .Tag('[').Id(0x1002)
        .Tag('s').Id(0x1003)
        .Tag('t').Id(0x1004)
        .Tag('g').Id(0x1005)
        .Tag('l').Id(0x1006)
        .Tag('c').Id(0x1007)
        .Tag('L').Id(0)
        .ToArray();

    /// <summary>EventRequest.Set (breakpoint, suspend all) with one modifier of every kind, plus an ExceptionOnly with a null type.</summary>
    private static byte[] EventRequestSetAllModifiers(int idSize, ulong delta) => new Bytes().U8(2).U8(2).I32(14)
        .U8(1).I32(5)
        .U8(2).I32(7)
        .U8(3).Id(0x30 + delta, idSize)
        .U8(4).Id(0x40 + delta, idSize)
        .U8(5).Str("com.example.*")
        .U8(6).Str("java.*")
        .U8(7).Loc(1, 0x70 + delta, 0x71 + delta, 99, idSize)
        .U8(8).Id(0x80 + delta, idSize).U8(1).U8(0)
        .U8(8).Id(0, idSize).U8(0).U8(1)
        .U8(9).Id(0x90 + delta, idSize).Id(0x91 + delta, idSize)
        .U8(10).Id(0xA0 + delta, idSize).I32(1).I32(2)
        .U8(11).Id(0xB0 + delta, idSize)
        .U8(12).Str("*.kt")
        .U8(13)
        .ToArray();

    /// <summary>Event.Composite with a breakpoint, a class prepare and an uncaught exception (catch location all zero).</summary>
    private static byte[] CompositeBody(int idSize, ulong delta, int requestDelta) => new Bytes().U8(2).I32(3)
        .U8(2).I32(5 + requestDelta).Id(0x31 + delta, idSize).Loc(1, 0xC1 + delta, 0xE1 + delta, 10, idSize)
        .U8(8).I32(6 + requestDelta).Id(0x31 + delta, idSize).U8(1).Id(0xC9 + delta, idSize).Str("Lcom/example/Foo;").I32(7)
        .U8(4).I32(7 + requestDelta).Id(0x31 + delta, idSize).Loc(1, 0xC1 + delta, 0xE1 + delta, 12, idSize)
            .Tag('L').Id(0xEE + delta, idSize).Loc(0, 0, 0, 0, idSize)
        .ToArray();
}
