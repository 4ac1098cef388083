using System.Diagnostics;
using Fabric.Registry.Server.Protos;
using Fabric.Registry.Symbols;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

// Load generator for the gRPC GetSymbols batch path: CONCURRENCY callers each fetch BATCH symbols per call, in a loop,
// for SECONDS. Usage: Registry.GrpcLoad GRPC_URL IDS_FILE [seconds=10] [concurrency=16] [batch=100]
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: Registry.GrpcLoad GRPC_URL IDS_FILE [seconds] [concurrency] [batch]");
    return 2;
}

var ids = File.ReadAllLines(args[1]).Where(l => l.Length > 0).Select(l => ByteString.CopyFrom(SymbolId.Parse(l).ToBytes())).ToArray();
var seconds = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 10;
var concurrency = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 16;
var batch = args.Length > 4 ? int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : 100;
using var channel = GrpcChannel.ForAddress(args[0]);
var client = new Registry.RegistryClient(channel);
var latencies = new List<double>[concurrency];
long symbols = 0;
using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
var workers = Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
{
    latencies[w] = [];
    var i = w * batch;
    while (!stop.IsCancellationRequested)
    {
        var request = new SymbolIds();
        for (var k = 0; k < batch; k++)
        {
            request.Ids.Add(ids[(i + k) % ids.Length]);
        }

        i += batch;
        var started = Stopwatch.GetTimestamp();
        using var call = client.GetSymbols(request);
        var n = 0;
        await foreach (var blob in call.ResponseStream.ReadAllAsync())
        {
            n += blob.Missing ? 0 : 1;
        }

        latencies[w].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        Interlocked.Add(ref symbols, n);
    }
})).ToArray();
await Task.WhenAll(workers);
var all = latencies.SelectMany(l => l).Order().ToArray();
Console.WriteLine($"grpc GetSymbols: {all.Length / (double)seconds:F0} calls/s, {symbols / (double)seconds:F0} symbols/s, batch {batch}, concurrency {concurrency}, p50 {all[all.Length / 2]:F2} ms, p99 {all[(int)(all.Length * 0.99)]:F2} ms");
return 0;
