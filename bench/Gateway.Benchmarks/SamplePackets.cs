using System.Text;
using JdwpGateway.Protocol;
using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Spec;

namespace JdwpGateway.Benchmarks;

/// <summary>One representative packet: its body as a HotSpot node sends it (8-byte IDs) and the layout that describes it.</summary>
/// <param name="Name">Short name used as the benchmark parameter.</param>
/// <param name="Command">The JDWP command the body belongs to.</param>
/// <param name="IsReply">True for a reply body (the command's reply layout), false for a command or event.</param>
/// <param name="Body">The body bytes, after the 11-byte header.</param>
/// <param name="Ids">Every non-null ID in the body (object, type, method, field and frame IDs alike).</param>
/// <param name="RequestIds">Every request ID in the body.</param>
public sealed record SamplePacket(string Name, CommandSpec Command, bool IsReply, byte[] Body, IReadOnlyCollection<ulong> Ids, IReadOnlyCollection<int> RequestIds)
{
    /// <summary>The layout the rewriter walks.</summary>
    public Layout Layout => IsReply ? Command.Reply : Command.Out;

    /// <summary>The whole packet on the wire: header and body.</summary>
    public byte[] ToWire(int id)
    {
        var packet = IsReply
            ? JdwpPacket.NewReply(id, 0, Body)
            : JdwpPacket.NewCommand(id, Command.Set, Command.Command, Body);
        var wire = new byte[packet.Length];
        packet.CopyTo(wire);
        return wire;
    }
}

/// <summary>
/// Builds the representative packets of issue 3 with realistic contents. Deterministic: the same bytes every run, so
/// the payload sizes in the results table are stable.
/// </summary>
public static class SamplePackets
{
    /// <summary>Names accepted by <see cref="Get"/>, in the order the results table lists them.</summary>
    public static readonly string[] Names = ["CompositeBreakpoint", "Frames50", "AllClasses5000", "StackFrameValues10", "ObjectGetValues12"];

    private static readonly Dictionary<string, SamplePacket> Cache = new();

    /// <summary>The packet called <paramref name="name"/>, built on first use.</summary>
    public static SamplePacket Get(string name)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(name, out var packet))
            {
                packet = Build(name);
                Cache[name] = packet;
            }

            return packet;
        }
    }

    private static SamplePacket Build(string name) => name switch
    {
        "CompositeBreakpoint" => CompositeBreakpoint(),
        "Frames50" => Frames(50),
        "AllClasses5000" => AllClasses(5000),
        "StackFrameValues10" => StackFrameGetValues(),
        "ObjectGetValues12" => ObjectGetValues(),
        _ => throw new ArgumentException($"unknown sample packet {name}", nameof(name)),
    };

    private static CommandSpec Spec(byte set, byte command) =>
        JdwpSpec.Find(set, command) ?? throw new InvalidOperationException($"JdwpSpec has no command {set}/{command}");

    /// <summary>Event.Composite, suspend policy ALL, one Breakpoint event in a method of a user class.</summary>
    private static SamplePacket CompositeBreakpoint()
    {
        var ids = new Ids();
        var w = new JdwpWriter();
        w.Byte(2); // SuspendPolicy.All
        w.Int(1);
        w.Byte(2); // EventKind.Breakpoint
        w.Int(7); // requestID
        w.Id(ids.Object(), 8); // thread
        WriteLocation(w, ids);
        return new("CompositeBreakpoint", Spec(64, 100), false, w.ToArray(), ids.All, [7]);
    }

    /// <summary>ThreadReference.Frames reply: <paramref name="count"/> frames of a deep application stack.</summary>
    private static SamplePacket Frames(int count)
    {
        var ids = new Ids();
        var w = new JdwpWriter();
        w.Int(count);
        for (var i = 0; i < count; i++)
        {
            w.Id(ids.Frame(), 8);
            WriteLocation(w, ids);
        }

        return new($"Frames{count}", Spec(11, 6), true, w.ToArray(), ids.All, []);
    }

    /// <summary>VirtualMachine.AllClasses reply: <paramref name="count"/> classes with JDK- and framework-like signatures.</summary>
    private static SamplePacket AllClasses(int count)
    {
        var ids = new Ids();
        var random = new Random(20250101);
        var w = new JdwpWriter(count * 64);
        w.Int(count);
        for (var i = 0; i < count; i++)
        {
            var (tag, signature) = ClassSignature(random, i);
            w.Byte(tag);
            w.Id(ids.Type(), 8);
            w.StringBytes(Encoding.UTF8.GetBytes(signature));
            w.Int(7); // ClassStatus VERIFIED | PREPARED | INITIALIZED
        }

        return new($"AllClasses{count}", Spec(1, 3), true, w.ToArray(), ids.All, []);
    }

    /// <summary>StackFrame.GetValues reply: ten local variables of mixed types, one of them a null reference.</summary>
    private static SamplePacket StackFrameGetValues()
    {
        var ids = new Ids();
        var w = new JdwpWriter();
        w.Int(10);
        w.Byte((byte)'L').Id(ids.Object(), 8); // this
        w.Byte((byte)'I').Int(42);
        w.Byte((byte)'J').Long(1_700_000_000_123);
        w.Byte((byte)'Z').Byte(1);
        w.Byte((byte)'s').Id(ids.Object(), 8); // String
        w.Byte((byte)'[').Id(ids.Object(), 8); // byte[] buffer
        w.Byte((byte)'D').Long(BitConverter.DoubleToInt64Bits(0.75));
        w.Byte((byte)'t').Id(ids.Object(), 8); // Thread
        w.Byte((byte)'L').Id(0, 8); // null
        w.Byte((byte)'C').Bytes([0, (byte)'x']);
        return new("StackFrameValues10", Spec(16, 1), true, w.ToArray(), ids.All, []);
    }

    /// <summary>ObjectReference.GetValues reply: the twelve fields of a typical entity-like object.</summary>
    private static SamplePacket ObjectGetValues()
    {
        var ids = new Ids();
        var w = new JdwpWriter();
        w.Int(12);
        w.Byte((byte)'J').Long(123_456); // id
        w.Byte((byte)'s').Id(ids.Object(), 8); // name
        w.Byte((byte)'s').Id(ids.Object(), 8); // email
        w.Byte((byte)'I').Int(3); // version
        w.Byte((byte)'Z').Byte(0); // deleted
        w.Byte((byte)'L').Id(ids.Object(), 8); // createdAt (Instant)
        w.Byte((byte)'L').Id(0, 8); // updatedAt (null)
        w.Byte((byte)'L').Id(ids.Object(), 8); // roles (HashSet)
        w.Byte((byte)'[').Id(ids.Object(), 8); // avatar (byte[])
        w.Byte((byte)'F').Int(BitConverter.SingleToInt32Bits(4.5f)); // score
        w.Byte((byte)'c').Id(ids.Object(), 8); // type (Class)
        w.Byte((byte)'l').Id(ids.Object(), 8); // loader
        return new("ObjectGetValues12", Spec(9, 2), true, w.ToArray(), ids.All, []);
    }

    private static void WriteLocation(JdwpWriter w, Ids ids)
    {
        w.Byte(1); // TypeTag.Class
        w.Id(ids.Type(), 8);
        w.Id(ids.Method(), 8);
        w.Long(117);
    }

    private static readonly string[] Packages =
    [
        "java/lang", "java/lang/invoke", "java/lang/reflect", "java/util", "java/util/concurrent", "java/util/concurrent/atomic",
        "java/util/concurrent/locks", "java/util/function", "java/util/stream", "java/io", "java/nio", "java/nio/channels",
        "java/net", "java/time", "java/time/format", "jdk/internal/misc", "jdk/internal/loader", "jdk/internal/reflect",
        "sun/nio/ch", "sun/security/util", "org/springframework/beans/factory/support", "org/springframework/context/annotation",
        "org/springframework/core/io", "org/apache/catalina/core", "org/apache/tomcat/util/net", "com/fasterxml/jackson/databind",
        "com/fasterxml/jackson/core/json", "io/netty/channel", "io/netty/buffer", "org/hibernate/engine/spi", "com/example/orders/service",
    ];

    private static readonly string[] Types =
    [
        "ConcurrentHashMap", "HashMap", "ArrayList", "String", "Object", "Thread", "ThreadPoolExecutor", "CompletableFuture",
        "ReentrantLock", "AbstractQueuedSynchronizer", "LinkedBlockingQueue", "Collectors", "ReferencePipeline", "MethodHandle",
        "LambdaForm", "DirectMethodHandle", "BufferedInputStream", "FileDescriptor", "SocketChannelImpl", "Instant",
        "DateTimeFormatterBuilder", "DefaultListableBeanFactory", "ConfigurationClassParser", "StandardContext", "NioEndpoint",
        "ObjectMapper", "BeanDeserializer", "UTF8JsonGenerator", "AbstractChannelHandlerContext", "PooledByteBufAllocator",
        "SessionFactoryImpl", "OrderService", "AtomicLong", "ClassLoaders", "Unsafe",
    ];

    private static readonly string[] Nested = ["Node", "Entry", "Segment", "Builder", "Worker", "Sync", "1", "2", "Holder", "Itr", "KeySetView", "State"];

    private static (byte Tag, string Signature) ClassSignature(Random random, int index)
    {
        var package = Packages[random.Next(Packages.Length)];
        var type = Types[random.Next(Types.Length)];
        var roll = random.Next(100);
        if (roll < 6)
        {
            return (3, $"[L{package}/{type};"); // array type
        }

        if (roll < 8)
        {
            return (3, "[" + "BCDFIJSZ"[random.Next(8)]); // primitive array type
        }

        var tag = roll < 20 ? (byte)2 : (byte)1; // interface or class
        var name = roll < 55 ? $"{package}/{type}${Nested[random.Next(Nested.Length)]}" : $"{package}/{type}";
        if (roll >= 90)
        {
            name += $"$$Lambda/0x00007f3a{index:x8}"; // hidden lambda classes, common in real AllClasses replies
        }

        return (tag, $"L{name};");
    }

    /// <summary>Hands out distinct HotSpot-looking IDs and remembers them for the translating mapper.</summary>
    private sealed class Ids
    {
        private ulong _next = 0x7f3a_0000_1000;

        public List<ulong> All { get; } = [];

        public ulong Object() => Next();

        public ulong Type() => Next();

        public ulong Method() => Next();

        public ulong Frame() => Next();

        private ulong Next()
        {
            _next += 24; // spaced like heap addresses
            All.Add(_next);
            return _next;
        }
    }
}
