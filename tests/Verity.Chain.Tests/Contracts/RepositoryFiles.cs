namespace Verity.Chain.Tests.Contracts;

/// <summary>Finds the repository (the folder with contracts/compile.js) above the test's working or binary folder.</summary>
public static class RepositoryFiles
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "contracts", "compile.js"))) return dir.FullName;
        throw new InvalidOperationException("repository root (contracts/compile.js) not found above the test folder");
    }

    /// <summary>A test helper contract compiled by contracts/build.sh into tests/Verity.Chain.Tests/Contracts/Artifacts.</summary>
    public static Verity.Chain.Contracts.ContractArtifact TestArtifact(string name)
    {
        var path = Path.Combine(Root, "tests", "Verity.Chain.Tests", "Contracts", "Artifacts", name + ".json");
        return Verity.Chain.Contracts.ContractArtifact.Parse(File.ReadAllText(path), path);
    }
}
