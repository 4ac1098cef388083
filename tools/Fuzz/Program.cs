using JdwpGateway.Fuzz;
using SharpFuzz;

// Modes:
//   (no arguments)      the AFL target: SharpFuzz's out-of-process fork server feeds inputs to FuzzTarget.Run.
//   seeds DIR           writes the seed corpus (one small, valid stream per command) into DIR.
//   run FILE|DIR...     runs the target once per file (crash triage, regression checks); exit code 1 on a crash.
//   once                runs one input read from standard input under SharpFuzz (for afl-tmin).
switch (args.Length == 0 ? null : args[0])
{
    case null:
        Fuzzer.OutOfProcess.Run(FuzzTarget.Run);
        return 0;
    case "once":
        Fuzzer.RunOnce(FuzzTarget.Run);
        return 0;
    case "seeds" when args.Length == 2:
        {
            var count = SeedGenerator.WriteAll(args[1]);
            Console.WriteLine($"wrote {count} seeds to {args[1]}");
            return 0;
        }

    case "run" when args.Length >= 2:
        return Repro.Run(args[1..]);
    default:
        Console.Error.WriteLine("usage: Fuzz                   (AFL target, run under afl-fuzz)");
        Console.Error.WriteLine("       Fuzz seeds DIR         (write the seed corpus)");
        Console.Error.WriteLine("       Fuzz run FILE|DIR...   (run inputs once, print any crash)");
        Console.Error.WriteLine("       Fuzz once              (one input from stdin, for afl-tmin)");
        return 2;
}
