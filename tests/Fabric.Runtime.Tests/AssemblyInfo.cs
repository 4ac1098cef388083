// Every test starts real JVMs on a 2-core machine: classes in parallel would only make timing noisy.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
