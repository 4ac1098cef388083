namespace JdwpGateway.Protocol.Spec;

/// <summary>JDWP error codes carried in reply packets.</summary>
public enum ErrorCode : short
{
    /// <summary>No error has occurred.</summary>
    None = 0,

    /// <summary>Passed thread is null, is not a valid thread or has exited.</summary>
    InvalidThread = 10,

    /// <summary>Thread group invalid.</summary>
    InvalidThreadGroup = 11,

    /// <summary>Invalid priority.</summary>
    InvalidPriority = 12,

    /// <summary>The specified thread has not been suspended by an event.</summary>
    ThreadNotSuspended = 13,

    /// <summary>Thread already suspended.</summary>
    ThreadSuspended = 14,

    /// <summary>Thread has not been started or is now dead.</summary>
    ThreadNotAlive = 15,

    /// <summary>The object ID is not valid or the object has been garbage collected.</summary>
    InvalidObject = 20,

    /// <summary>Invalid class.</summary>
    InvalidClass = 21,

    /// <summary>Class has been loaded but not yet prepared.</summary>
    ClassNotPrepared = 22,

    /// <summary>Invalid method ID.</summary>
    InvalidMethodId = 23,

    /// <summary>Invalid location.</summary>
    InvalidLocation = 24,

    /// <summary>Invalid field ID.</summary>
    InvalidFieldId = 25,

    /// <summary>Invalid frame ID.</summary>
    InvalidFrameId = 30,

    /// <summary>There are no more Java or JNI frames on the call stack.</summary>
    NoMoreFrames = 31,

    /// <summary>Information about the frame is not available.</summary>
    OpaqueFrame = 32,

    /// <summary>The operation can only be performed on the current frame.</summary>
    NotCurrentFrame = 33,

    /// <summary>The variable is not an appropriate type for the function used.</summary>
    TypeMismatch = 34,

    /// <summary>Invalid slot.</summary>
    InvalidSlot = 35,

    /// <summary>Item already set.</summary>
    Duplicate = 40,

    /// <summary>Desired element not found.</summary>
    NotFound = 41,

    /// <summary>Invalid module.</summary>
    InvalidModule = 42,

    /// <summary>Invalid monitor.</summary>
    InvalidMonitor = 50,

    /// <summary>This thread doesn't own the monitor.</summary>
    NotMonitorOwner = 51,

    /// <summary>The call has been interrupted before completion.</summary>
    Interrupt = 52,

    /// <summary>The virtual machine attempted to read a class file and determined that it is malformed.</summary>
    InvalidClassFormat = 60,

    /// <summary>A circularity has been detected while initializing a class.</summary>
    CircularClassDefinition = 61,

    /// <summary>The verifier detected that a class file is internally inconsistent or violates security.</summary>
    FailsVerification = 62,

    /// <summary>Adding methods has not been implemented.</summary>
    AddMethodNotImplemented = 63,

    /// <summary>Schema change has not been implemented.</summary>
    SchemaChangeNotImplemented = 64,

    /// <summary>The state of the thread has been modified and is now inconsistent.</summary>
    InvalidTypestate = 65,

    /// <summary>A direct superclass is different or the set of directly implemented interfaces is different.</summary>
    HierarchyChangeNotImplemented = 66,

    /// <summary>The new class version does not declare a method declared in the old class version.</summary>
    DeleteMethodNotImplemented = 67,

    /// <summary>A class file has a version number not supported by this VM.</summary>
    UnsupportedVersion = 68,

    /// <summary>The class name defined in the new class file is different from the name in the old class object.</summary>
    NamesDontMatch = 69,

    /// <summary>The new class version has different modifiers.</summary>
    ClassModifiersChangeNotImplemented = 70,

    /// <summary>A method in the new class version has different modifiers than its counterpart in the old version.</summary>
    MethodModifiersChangeNotImplemented = 71,

    /// <summary>The new class version has a different NestHost, NestMembers, PermittedSubclasses or Record attribute.</summary>
    ClassAttributeChangeNotImplemented = 72,

    /// <summary>The functionality is not implemented in this virtual machine.</summary>
    NotImplemented = 99,

    /// <summary>Invalid pointer.</summary>
    NullPointer = 100,

    /// <summary>Desired information is not available.</summary>
    AbsentInformation = 101,

    /// <summary>The specified event type ID is not recognized.</summary>
    InvalidEventType = 102,

    /// <summary>Illegal argument.</summary>
    IllegalArgument = 103,

    /// <summary>The function needed to allocate memory and no more memory was available.</summary>
    OutOfMemory = 110,

    /// <summary>Debugging has not been enabled in this virtual machine.</summary>
    AccessDenied = 111,

    /// <summary>The virtual machine is not running.</summary>
    VMDead = 112,

    /// <summary>An unexpected internal error has occurred.</summary>
    Internal = 113,

    /// <summary>The thread being used to call this function is not attached to the virtual machine.</summary>
    UnattachedThread = 115,

    /// <summary>Object type ID or class tag.</summary>
    InvalidTag = 500,

    /// <summary>Previous invoke not complete.</summary>
    AlreadyInvoking = 502,

    /// <summary>Index is invalid.</summary>
    InvalidIndex = 503,

    /// <summary>The length is invalid.</summary>
    InvalidLength = 504,

    /// <summary>The string is invalid.</summary>
    InvalidString = 506,

    /// <summary>The class loader is invalid.</summary>
    InvalidClassLoader = 507,

    /// <summary>The array is invalid.</summary>
    InvalidArray = 508,

    /// <summary>Unable to load the transport.</summary>
    TransportLoad = 509,

    /// <summary>Unable to initialize the transport.</summary>
    TransportInit = 510,

    /// <summary>Native method.</summary>
    NativeMethod = 511,

    /// <summary>The count is invalid.</summary>
    InvalidCount = 512,
}

/// <summary>JDWP event kinds (EventRequest.Set eventKind, Event.Composite eventKind).</summary>
public enum EventKind : byte
{
    /// <summary>Single step.</summary>
    SingleStep = 1,

    /// <summary>Breakpoint hit.</summary>
    Breakpoint = 2,

    /// <summary>Frame pop (defined by the spec but never sent in Event.Composite).</summary>
    FramePop = 3,

    /// <summary>Exception thrown.</summary>
    Exception = 4,

    /// <summary>User-defined event (defined by the spec but never sent in Event.Composite).</summary>
    UserDefined = 5,

    /// <summary>Thread started.</summary>
    ThreadStart = 6,

    /// <summary>Thread died.</summary>
    ThreadDeath = 7,

    /// <summary>Alias of <see cref="ThreadDeath"/>.</summary>
    ThreadEnd = 7,

    /// <summary>Class prepared.</summary>
    ClassPrepare = 8,

    /// <summary>Class unloaded.</summary>
    ClassUnload = 9,

    /// <summary>Class loaded (defined by the spec but never sent in Event.Composite).</summary>
    ClassLoad = 10,

    /// <summary>Field access watchpoint.</summary>
    FieldAccess = 20,

    /// <summary>Field modification watchpoint.</summary>
    FieldModification = 21,

    /// <summary>Exception caught (defined by the spec but never sent in Event.Composite).</summary>
    ExceptionCatch = 30,

    /// <summary>Method entry.</summary>
    MethodEntry = 40,

    /// <summary>Method exit.</summary>
    MethodExit = 41,

    /// <summary>Method exit carrying the return value.</summary>
    MethodExitWithReturnValue = 42,

    /// <summary>Thread about to wait to enter a contended monitor.</summary>
    MonitorContendedEnter = 43,

    /// <summary>Thread entered a contended monitor.</summary>
    MonitorContendedEntered = 44,

    /// <summary>Thread about to wait on a monitor object.</summary>
    MonitorWait = 45,

    /// <summary>Thread finished waiting on a monitor object.</summary>
    MonitorWaited = 46,

    /// <summary>VM started.</summary>
    VMStart = 90,

    /// <summary>Alias of <see cref="VMStart"/>.</summary>
    VMInit = 90,

    /// <summary>VM died.</summary>
    VMDeath = 99,

    /// <summary>VM disconnected (never sent over JDWP; used only inside debugger front-ends).</summary>
    VMDisconnected = 100,
}

/// <summary>EventRequest.Set modifier kinds.</summary>
public enum ModKind : byte
{
    /// <summary>Report only after the given number of occurrences.</summary>
    Count = 1,

    /// <summary>Conditional on an expression (reserved).</summary>
    Conditional = 2,

    /// <summary>Restrict to one thread.</summary>
    ThreadOnly = 3,

    /// <summary>Restrict to a reference type and its subtypes.</summary>
    ClassOnly = 4,

    /// <summary>Restrict to classes matching a name pattern.</summary>
    ClassMatch = 5,

    /// <summary>Exclude classes matching a name pattern.</summary>
    ClassExclude = 6,

    /// <summary>Restrict to one location.</summary>
    LocationOnly = 7,

    /// <summary>Restrict exception events by type and caught/uncaught.</summary>
    ExceptionOnly = 8,

    /// <summary>Restrict watchpoint events to one field.</summary>
    FieldOnly = 9,

    /// <summary>Step request parameters.</summary>
    Step = 10,

    /// <summary>Restrict to one "this" instance.</summary>
    InstanceOnly = 11,

    /// <summary>Restrict to classes whose source name matches a pattern.</summary>
    SourceNameMatch = 12,

    /// <summary>Restrict thread start/end events to platform threads (JDK 21+).</summary>
    PlatformThreadsOnly = 13,
}

/// <summary>Which threads the VM suspends when an event occurs.</summary>
public enum SuspendPolicy : byte
{
    /// <summary>Suspend no threads.</summary>
    None = 0,

    /// <summary>Suspend the event thread only.</summary>
    EventThread = 1,

    /// <summary>Suspend all threads.</summary>
    All = 2,
}

/// <summary>Kind of a reference type (refTypeTag).</summary>
public enum TypeTag : byte
{
    /// <summary>A class.</summary>
    Class = 1,

    /// <summary>An interface.</summary>
    Interface = 2,

    /// <summary>An array type.</summary>
    Array = 3,
}

/// <summary>Value and object type tags.</summary>
public enum Tag : byte
{
    /// <summary>Array object (objectID).</summary>
    Array = (byte)'[',

    /// <summary>Byte value (1 byte).</summary>
    Byte = (byte)'B',

    /// <summary>Char value (2 bytes).</summary>
    Char = (byte)'C',

    /// <summary>Object (objectID).</summary>
    Object = (byte)'L',

    /// <summary>Float value (4 bytes).</summary>
    Float = (byte)'F',

    /// <summary>Double value (8 bytes).</summary>
    Double = (byte)'D',

    /// <summary>Int value (4 bytes).</summary>
    Int = (byte)'I',

    /// <summary>Long value (8 bytes).</summary>
    Long = (byte)'J',

    /// <summary>Short value (2 bytes).</summary>
    Short = (byte)'S',

    /// <summary>Void value (no bytes).</summary>
    Void = (byte)'V',

    /// <summary>Boolean value (1 byte).</summary>
    Boolean = (byte)'Z',

    /// <summary>String object (objectID).</summary>
    String = (byte)'s',

    /// <summary>Thread object (objectID).</summary>
    Thread = (byte)'t',

    /// <summary>ThreadGroup object (objectID).</summary>
    ThreadGroup = (byte)'g',

    /// <summary>ClassLoader object (objectID).</summary>
    ClassLoader = (byte)'l',

    /// <summary>Class object (objectID).</summary>
    ClassObject = (byte)'c',
}

/// <summary>Granularity of a step request.</summary>
public enum StepSize
{
    /// <summary>Step by the minimum possible amount (often a bytecode instruction).</summary>
    Min = 0,

    /// <summary>Step to the next source line.</summary>
    Line = 1,
}

/// <summary>Depth of a step request.</summary>
public enum StepDepth
{
    /// <summary>Step into any method calls.</summary>
    Into = 0,

    /// <summary>Step over any method calls.</summary>
    Over = 1,

    /// <summary>Step out of the current method.</summary>
    Out = 2,
}

/// <summary>Thread status reported by ThreadReference.Status.</summary>
public enum ThreadStatus
{
    /// <summary>Thread has terminated.</summary>
    Zombie = 0,

    /// <summary>Thread is runnable.</summary>
    Running = 1,

    /// <summary>Thread is sleeping.</summary>
    Sleeping = 2,

    /// <summary>Thread is waiting to enter a monitor.</summary>
    Monitor = 3,

    /// <summary>Thread is waiting on a monitor.</summary>
    Wait = 4,
}

/// <summary>Suspend status reported by ThreadReference.Status.</summary>
[Flags]
public enum SuspendStatus
{
    /// <summary>Not suspended.</summary>
    None = 0,

    /// <summary>Suspended.</summary>
    Suspended = 0x1,
}

/// <summary>Class status bits.</summary>
[Flags]
public enum ClassStatus
{
    /// <summary>No status bits set.</summary>
    None = 0,

    /// <summary>Class has been verified.</summary>
    Verified = 1,

    /// <summary>Class has been prepared.</summary>
    Prepared = 2,

    /// <summary>Class has been initialized.</summary>
    Initialized = 4,

    /// <summary>Class initialization failed.</summary>
    Error = 8,
}

/// <summary>Options for the InvokeMethod and NewInstance commands.</summary>
[Flags]
public enum InvokeOptions
{
    /// <summary>No options: resume all threads, virtual invocation.</summary>
    None = 0,

    /// <summary>Resume only the invoking thread during the invoke.</summary>
    SingleThreaded = 0x01,

    /// <summary>Invoke without virtual dispatch.</summary>
    NonVirtual = 0x02,
}

/// <summary>JDWP command set numbers.</summary>
public static class CommandSets
{
    /// <summary>VirtualMachine command set.</summary>
    public const byte VirtualMachine = 1;

    /// <summary>ReferenceType command set.</summary>
    public const byte ReferenceType = 2;

    /// <summary>ClassType command set.</summary>
    public const byte ClassType = 3;

    /// <summary>ArrayType command set.</summary>
    public const byte ArrayType = 4;

    /// <summary>InterfaceType command set.</summary>
    public const byte InterfaceType = 5;

    /// <summary>Method command set.</summary>
    public const byte Method = 6;

    /// <summary>Field command set (no commands defined).</summary>
    public const byte Field = 8;

    /// <summary>ObjectReference command set.</summary>
    public const byte ObjectReference = 9;

    /// <summary>StringReference command set.</summary>
    public const byte StringReference = 10;

    /// <summary>ThreadReference command set.</summary>
    public const byte ThreadReference = 11;

    /// <summary>ThreadGroupReference command set.</summary>
    public const byte ThreadGroupReference = 12;

    /// <summary>ArrayReference command set.</summary>
    public const byte ArrayReference = 13;

    /// <summary>ClassLoaderReference command set.</summary>
    public const byte ClassLoaderReference = 14;

    /// <summary>EventRequest command set.</summary>
    public const byte EventRequest = 15;

    /// <summary>StackFrame command set.</summary>
    public const byte StackFrame = 16;

    /// <summary>ClassObjectReference command set.</summary>
    public const byte ClassObjectReference = 17;

    /// <summary>ModuleReference command set.</summary>
    public const byte ModuleReference = 18;

    /// <summary>Event command set (sent by the VM).</summary>
    public const byte Event = 64;
}
