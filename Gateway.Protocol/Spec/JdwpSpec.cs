using static JdwpGateway.Protocol.Spec.LayoutBuilder;

namespace JdwpGateway.Protocol.Spec;

/// <summary>
/// The single declarative description of JDWP, written from Oracle's published protocol specification.
/// Every command set and command up to JDK 25, with command and reply layouts.
/// </summary>
public static partial class JdwpSpec
{
    private static readonly Dictionary<int, CommandSpec> ByKey = BuildAll().ToDictionary(c => Key(c.Set, c.Command));

    /// <summary>All commands, in set/command order.</summary>
    public static IReadOnlyCollection<CommandSpec> All => ByKey.Values;

    /// <summary>Looks up a command; null for vendor or unknown commands, which are passed through as raw bytes.</summary>
    public static CommandSpec? Find(byte set, byte command) => ByKey.GetValueOrDefault(Key(set, command));

    private static int Key(byte set, byte command) => (set << 8) | command;

    private static IEnumerable<CommandSpec> BuildAll()
    {
        // VirtualMachine (1)
        yield return new(1, 1, "VirtualMachine", "Version", L(), L(Str("description"), Int("jdwpMajor"), Int("jdwpMinor"), Str("vmVersion"), Str("vmName")));
        yield return new(1, 2, "VirtualMachine", "ClassesBySignature", L(Str("signature")), L(Rep("classes", Byte("refTypeTag"), RefType("typeID"), Int("status"))));
        yield return new(1, 3, "VirtualMachine", "AllClasses", L(), L(Rep("classes", Byte("refTypeTag"), RefType("typeID"), Str("signature"), Int("status"))));
        yield return new(1, 4, "VirtualMachine", "AllThreads", L(), L(Rep("threads", Thread("thread"))));
        yield return new(1, 5, "VirtualMachine", "TopLevelThreadGroups", L(), L(Rep("groups", ThreadGroup("group"))));
        yield return new(1, 6, "VirtualMachine", "Dispose", L(), L());
        yield return new(1, 7, "VirtualMachine", "IDSizes", L(), L(Int("fieldIDSize"), Int("methodIDSize"), Int("objectIDSize"), Int("referenceTypeIDSize"), Int("frameIDSize")));
        yield return new(1, 8, "VirtualMachine", "Suspend", L(), L());
        yield return new(1, 9, "VirtualMachine", "Resume", L(), L());
        yield return new(1, 10, "VirtualMachine", "Exit", L(Int("exitCode")), L());
        yield return new(1, 11, "VirtualMachine", "CreateString", L(Str("utf")), L(StringId("stringObject")));
        yield return new(1, 12, "VirtualMachine", "Capabilities", L(), L(
            Bool("canWatchFieldModification"), Bool("canWatchFieldAccess"), Bool("canGetBytecodes"), Bool("canGetSyntheticAttribute"),
            Bool("canGetOwnedMonitorInfo"), Bool("canGetCurrentContendedMonitor"), Bool("canGetMonitorInfo")));
        yield return new(1, 13, "VirtualMachine", "ClassPaths", L(), L(Str("baseDir"), Rep("classpaths", Str("path")), Rep("bootclasspaths", Str("path"))));
        yield return new(1, 14, "VirtualMachine", "DisposeObjects", L(Rep("requests", Object("object"), Int("refCnt"))), L());
        yield return new(1, 15, "VirtualMachine", "HoldEvents", L(), L());
        yield return new(1, 16, "VirtualMachine", "ReleaseEvents", L(), L());
        yield return new(1, 17, "VirtualMachine", "CapabilitiesNew", L(), L(
            Bool("canWatchFieldModification"), Bool("canWatchFieldAccess"), Bool("canGetBytecodes"), Bool("canGetSyntheticAttribute"),
            Bool("canGetOwnedMonitorInfo"), Bool("canGetCurrentContendedMonitor"), Bool("canGetMonitorInfo"), Bool("canRedefineClasses"),
            Bool("canAddMethod"), Bool("canUnrestrictedlyRedefineClasses"), Bool("canPopFrames"), Bool("canUseInstanceFilters"),
            Bool("canGetSourceDebugExtension"), Bool("canRequestVMDeathEvent"), Bool("canSetDefaultStratum"), Bool("canGetInstanceInfo"),
            Bool("canRequestMonitorEvents"), Bool("canGetMonitorFrameInfo"), Bool("canUseSourceNameFilters"), Bool("canGetConstantPool"),
            Bool("canForceEarlyReturn"), Bool("reserved22"), Bool("reserved23"), Bool("reserved24"),
            Bool("reserved25"), Bool("reserved26"), Bool("reserved27"), Bool("reserved28"),
            Bool("reserved29"), Bool("reserved30"), Bool("reserved31"), Bool("reserved32")));
        yield return new(1, 18, "VirtualMachine", "RedefineClasses", L(Rep("classes", RefType("refType"), Rep("classfile", Byte("classbyte")))), L());
        yield return new(1, 19, "VirtualMachine", "SetDefaultStratum", L(Str("stratumID")), L());
        yield return new(1, 20, "VirtualMachine", "AllClassesWithGeneric", L(), L(Rep("classes", Byte("refTypeTag"), RefType("typeID"), Str("signature"), Str("genericSignature"), Int("status"))));
        yield return new(1, 21, "VirtualMachine", "InstanceCounts", L(Rep("refTypesCount", RefType("refType"))), L(Rep("counts", Long("instanceCount"))));
        yield return new(1, 22, "VirtualMachine", "AllModules", L(), L(Rep("modules", Module("module"))));

        // ReferenceType (2)
        yield return new(2, 1, "ReferenceType", "Signature", L(RefType("refType")), L(Str("signature")));
        yield return new(2, 2, "ReferenceType", "ClassLoader", L(RefType("refType")), L(ClassLoader("classLoader")));
        yield return new(2, 3, "ReferenceType", "Modifiers", L(RefType("refType")), L(Int("modBits")));
        yield return new(2, 4, "ReferenceType", "Fields", L(RefType("refType")), L(Rep("declared", Field("fieldID"), Str("name"), Str("signature"), Int("modBits"))));
        yield return new(2, 5, "ReferenceType", "Methods", L(RefType("refType")), L(Rep("declared", Method("methodID"), Str("name"), Str("signature"), Int("modBits"))));
        yield return new(2, 6, "ReferenceType", "GetValues", L(RefType("refType"), Rep("fields", Field("fieldID"))), L(Rep("values", Val("value"))));
        yield return new(2, 7, "ReferenceType", "SourceFile", L(RefType("refType")), L(Str("sourceFile")));
        yield return new(2, 8, "ReferenceType", "NestedTypes", L(RefType("refType")), L(Rep("classes", Byte("refTypeTag"), RefType("typeID"))));
        yield return new(2, 9, "ReferenceType", "Status", L(RefType("refType")), L(Int("status")));
        yield return new(2, 10, "ReferenceType", "Interfaces", L(RefType("refType")), L(Rep("interfaces", Interface("interfaceType"))));
        yield return new(2, 11, "ReferenceType", "ClassObject", L(RefType("refType")), L(ClassObject("classObject")));
        yield return new(2, 12, "ReferenceType", "SourceDebugExtension", L(RefType("refType")), L(Str("extension")));
        yield return new(2, 13, "ReferenceType", "SignatureWithGeneric", L(RefType("refType")), L(Str("signature"), Str("genericSignature")));
        yield return new(2, 14, "ReferenceType", "FieldsWithGeneric", L(RefType("refType")), L(Rep("declared", Field("fieldID"), Str("name"), Str("signature"), Str("genericSignature"), Int("modBits"))));
        yield return new(2, 15, "ReferenceType", "MethodsWithGeneric", L(RefType("refType")), L(Rep("declared", Method("methodID"), Str("name"), Str("signature"), Str("genericSignature"), Int("modBits"))));
        yield return new(2, 16, "ReferenceType", "Instances", L(RefType("refType"), Int("maxInstances")), L(Rep("instances", TaggedObj("instance"))));
        yield return new(2, 17, "ReferenceType", "ClassFileVersion", L(RefType("refType")), L(Int("majorVersion"), Int("minorVersion")));
        yield return new(2, 18, "ReferenceType", "ConstantPool", L(RefType("refType")), L(Int("count"), Rep("bytes", Byte("cpbytes"))));
        yield return new(2, 19, "ReferenceType", "Module", L(RefType("refType")), L(Module("module")));

        // ClassType (3)
        yield return new(3, 1, "ClassType", "Superclass", L(Class("clazz")), L(Class("superclass")));
        yield return new(3, 2, "ClassType", "SetValues", L(Class("clazz"), Rep("values", Field("fieldID"), Untagged(UntaggedSource.PrecedingField, "value"))), L());
        yield return new(3, 3, "ClassType", "InvokeMethod", L(Class("clazz"), Thread("thread"), Method("methodID"), Rep("arguments", Val("arg")), Int("options")), L(Val("returnValue"), TaggedObj("exception")));
        yield return new(3, 4, "ClassType", "NewInstance", L(Class("clazz"), Thread("thread"), Method("methodID"), Rep("arguments", Val("arg")), Int("options")), L(TaggedObj("newObject"), TaggedObj("exception")));

        // ArrayType (4)
        yield return new(4, 1, "ArrayType", "NewInstance", L(ArrayType("arrType"), Int("length")), L(TaggedObj("newArray")));

        // InterfaceType (5)
        yield return new(5, 1, "InterfaceType", "InvokeMethod", L(Interface("clazz"), Thread("thread"), Method("methodID"), Rep("arguments", Val("arg")), Int("options")), L(Val("returnValue"), TaggedObj("exception")));

        // Method (6)
        yield return new(6, 1, "Method", "LineTable", L(RefType("refType"), Method("methodID")), L(Long("start"), Long("end"), Rep("lines", Long("lineCodeIndex"), Int("lineNumber"))));
        yield return new(6, 2, "Method", "VariableTable", L(RefType("refType"), Method("methodID")), L(Int("argCnt"), Rep("slots", Long("codeIndex"), Str("name"), Str("signature"), Int("length"), Int("slot"))));
        yield return new(6, 3, "Method", "Bytecodes", L(RefType("refType"), Method("methodID")), L(Rep("bytes", Byte("bytecode"))));
        yield return new(6, 4, "Method", "IsObsolete", L(RefType("refType"), Method("methodID")), L(Bool("isObsolete")));
        yield return new(6, 5, "Method", "VariableTableWithGeneric", L(RefType("refType"), Method("methodID")), L(Int("argCnt"), Rep("slots", Long("codeIndex"), Str("name"), Str("signature"), Str("genericSignature"), Int("length"), Int("slot"))));

        // Field (8): no commands.

        // ObjectReference (9)
        yield return new(9, 1, "ObjectReference", "ReferenceType", L(Object("object")), L(Byte("refTypeTag"), RefType("typeID")));
        yield return new(9, 2, "ObjectReference", "GetValues", L(Object("object"), Rep("fields", Field("fieldID"))), L(Rep("values", Val("value"))));
        yield return new(9, 3, "ObjectReference", "SetValues", L(Object("object"), Rep("values", Field("fieldID"), Untagged(UntaggedSource.PrecedingField, "value"))), L());
        yield return new(9, 5, "ObjectReference", "MonitorInfo", L(Object("object")), L(Thread("owner"), Int("entryCount"), Rep("waiters", Thread("thread"))));
        yield return new(9, 6, "ObjectReference", "InvokeMethod", L(Object("object"), Thread("thread"), Class("clazz"), Method("methodID"), Rep("arguments", Val("arg")), Int("options")), L(Val("returnValue"), TaggedObj("exception")));
        yield return new(9, 7, "ObjectReference", "DisableCollection", L(Object("object")), L());
        yield return new(9, 8, "ObjectReference", "EnableCollection", L(Object("object")), L());
        yield return new(9, 9, "ObjectReference", "IsCollected", L(Object("object")), L(Bool("isCollected")));
        yield return new(9, 10, "ObjectReference", "ReferringObjects", L(Object("object"), Int("maxReferrers")), L(Rep("referringObjects", TaggedObj("instance"))));

        // StringReference (10)
        yield return new(10, 1, "StringReference", "Value", L(Object("stringObject")), L(Str("stringValue")));

        // ThreadReference (11)
        yield return new(11, 1, "ThreadReference", "Name", L(Thread("thread")), L(Str("threadName")));
        yield return new(11, 2, "ThreadReference", "Suspend", L(Thread("thread")), L());
        yield return new(11, 3, "ThreadReference", "Resume", L(Thread("thread")), L());
        yield return new(11, 4, "ThreadReference", "Status", L(Thread("thread")), L(Int("threadStatus"), Int("suspendStatus")));
        yield return new(11, 5, "ThreadReference", "ThreadGroup", L(Thread("thread")), L(ThreadGroup("group")));
        yield return new(11, 6, "ThreadReference", "Frames", L(Thread("thread"), Int("startFrame"), Int("length")), L(Rep("frames", Frame("frameID"), Loc("location"))));
        yield return new(11, 7, "ThreadReference", "FrameCount", L(Thread("thread")), L(Int("frameCount")));
        yield return new(11, 8, "ThreadReference", "OwnedMonitors", L(Thread("thread")), L(Rep("owned", TaggedObj("monitor"))));
        yield return new(11, 9, "ThreadReference", "CurrentContendedMonitor", L(Thread("thread")), L(TaggedObj("monitor")));
        yield return new(11, 10, "ThreadReference", "Stop", L(Thread("thread"), Object("throwable")), L());
        yield return new(11, 11, "ThreadReference", "Interrupt", L(Thread("thread")), L());
        yield return new(11, 12, "ThreadReference", "SuspendCount", L(Thread("thread")), L(Int("suspendCount")));
        yield return new(11, 13, "ThreadReference", "OwnedMonitorsStackDepthInfo", L(Thread("thread")), L(Rep("owned", TaggedObj("monitor"), Int("stack_depth"))));
        yield return new(11, 14, "ThreadReference", "ForceEarlyReturn", L(Thread("thread"), Val("value")), L());
        yield return new(11, 15, "ThreadReference", "IsVirtual", L(Thread("thread")), L(Bool("isVirtual")));

        // ThreadGroupReference (12)
        yield return new(12, 1, "ThreadGroupReference", "Name", L(ThreadGroup("group")), L(Str("groupName")));
        yield return new(12, 2, "ThreadGroupReference", "Parent", L(ThreadGroup("group")), L(ThreadGroup("parentGroup")));
        yield return new(12, 3, "ThreadGroupReference", "Children", L(ThreadGroup("group")), L(Rep("childThreads", Thread("childThread")), Rep("childGroups", ThreadGroup("childGroup"))));

        // ArrayReference (13)
        yield return new(13, 1, "ArrayReference", "Length", L(Array("arrayObject")), L(Int("arrayLength")));
        yield return new(13, 2, "ArrayReference", "GetValues", L(Array("arrayObject"), Int("firstIndex"), Int("length")), L(Region("values")));
        yield return new(13, 3, "ArrayReference", "SetValues", L(Array("arrayObject"), Int("firstIndex"), Rep("values", Untagged(UntaggedSource.ArrayComponent, "value"))), L());

        // ClassLoaderReference (14)
        yield return new(14, 1, "ClassLoaderReference", "VisibleClasses", L(ClassLoader("classLoaderObject")), L(Rep("classes", Byte("refTypeTag"), RefType("typeID"))));

        // EventRequest (15)
        yield return new(15, 1, "EventRequest", "Set", L(Byte("eventKind"), Byte("suspendPolicy"), Rep("modifiers", Sel("modKind",
            When(1, "Count", Int("count")),
            When(2, "Conditional", Int("exprID")),
            When(3, "ThreadOnly", Thread("thread")),
            When(4, "ClassOnly", RefType("clazz")),
            When(5, "ClassMatch", Str("classPattern")),
            When(6, "ClassExclude", Str("classPattern")),
            When(7, "LocationOnly", Loc("loc")),
            When(8, "ExceptionOnly", RefType("exceptionOrNull"), Bool("caught"), Bool("uncaught")),
            When(9, "FieldOnly", RefType("declaring"), Field("fieldID")),
            When(10, "Step", Thread("thread"), Int("size"), Int("depth")),
            When(11, "InstanceOnly", Object("instance")),
            When(12, "SourceNameMatch", Str("sourceNamePattern")),
            When(13, "PlatformThreadsOnly")))), L(Request("requestID")));
        yield return new(15, 2, "EventRequest", "Clear", L(Byte("eventKind"), Request("requestID")), L());
        yield return new(15, 3, "EventRequest", "ClearAllBreakpoints", L(), L());

        // StackFrame (16)
        yield return new(16, 1, "StackFrame", "GetValues", L(Thread("thread"), Frame("frame"), Rep("slots", Int("slot"), Byte("sigbyte"))), L(Rep("values", Val("slotValue"))));
        yield return new(16, 2, "StackFrame", "SetValues", L(Thread("thread"), Frame("frame"), Rep("slotValues", Int("slot"), Val("slotValue"))), L());
        yield return new(16, 3, "StackFrame", "ThisObject", L(Thread("thread"), Frame("frame")), L(TaggedObj("objectThis")));
        yield return new(16, 4, "StackFrame", "PopFrames", L(Thread("thread"), Frame("frame")), L());

        // ClassObjectReference (17)
        yield return new(17, 1, "ClassObjectReference", "ReflectedType", L(ClassObject("classObject")), L(Byte("refTypeTag"), RefType("typeID")));

        // ModuleReference (18)
        yield return new(18, 1, "ModuleReference", "Name", L(Module("module")), L(Str("name")));
        yield return new(18, 2, "ModuleReference", "ClassLoader", L(Module("module")), L(ClassLoader("classLoader")));

        // Event (64): sent by the VM; the debugger never replies.
        yield return new(64, 100, "Event", "Composite", L(Byte("suspendPolicy"), Rep("events", Sel("eventKind",
            When(90, "VMStart", Request("requestID"), Thread("thread")),
            When(1, "SingleStep", Request("requestID"), Thread("thread"), Loc("location")),
            When(2, "Breakpoint", Request("requestID"), Thread("thread"), Loc("location")),
            When(40, "MethodEntry", Request("requestID"), Thread("thread"), Loc("location")),
            When(41, "MethodExit", Request("requestID"), Thread("thread"), Loc("location")),
            When(42, "MethodExitWithReturnValue", Request("requestID"), Thread("thread"), Loc("location"), Val("value")),
            When(43, "MonitorContendedEnter", Request("requestID"), Thread("thread"), TaggedObj("object"), Loc("location")),
            When(44, "MonitorContendedEntered", Request("requestID"), Thread("thread"), TaggedObj("object"), Loc("location")),
            When(45, "MonitorWait", Request("requestID"), Thread("thread"), TaggedObj("object"), Loc("location"), Long("timeout")),
            When(46, "MonitorWaited", Request("requestID"), Thread("thread"), TaggedObj("object"), Loc("location"), Bool("timed_out")),
            When(4, "Exception", Request("requestID"), Thread("thread"), Loc("location"), TaggedObj("exception"), Loc("catchLocation")),
            When(6, "ThreadStart", Request("requestID"), Thread("thread")),
            When(7, "ThreadDeath", Request("requestID"), Thread("thread")),
            When(8, "ClassPrepare", Request("requestID"), Thread("thread"), Byte("refTypeTag"), RefType("typeID"), Str("signature"), Int("status")),
            When(9, "ClassUnload", Request("requestID"), Str("signature")),
            When(20, "FieldAccess", Request("requestID"), Thread("thread"), Loc("location"), Byte("refTypeTag"), RefType("typeID"), Field("fieldID"), TaggedObj("object")),
            When(21, "FieldModification", Request("requestID"), Thread("thread"), Loc("location"), Byte("refTypeTag"), RefType("typeID"), Field("fieldID"), TaggedObj("object"), Val("valueToBe")),
            When(99, "VMDeath", Request("requestID"))))), L());
    }
}
