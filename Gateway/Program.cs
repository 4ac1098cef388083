using System.CommandLine;
using JdwpGateway.Cli;

return await GatewayCli.Build().Parse(args).InvokeAsync().ConfigureAwait(false);
