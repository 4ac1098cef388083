using Xunit;

// Every test here starts real JVMs (and often jdb) on a 2-core machine: running classes in parallel makes timing
// nondeterministic without testing anything more.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
