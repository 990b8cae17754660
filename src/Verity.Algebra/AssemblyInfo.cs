using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Verity.Algebra.Tests")]
