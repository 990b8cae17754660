using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Verity.Crypto.Tests")]

// Hash kernels stackalloc their state and message buffers and always write them before reading, so the
// zero-initialization the runtime would otherwise do on every call is wasted work.
[module: SkipLocalsInit]
