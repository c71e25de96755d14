using BenchmarkDotNet.Running;
using PolyglotAspire.Benchmarks;

// The assembly of the benchmarks (not typeof(Program): Sync.Worker, referenced here, has a public Program too).
BenchmarkSwitcher.FromAssembly(typeof(EnvelopeBenchmarks).Assembly).Run(args);
