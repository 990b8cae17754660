using System.CommandLine;
using Verity.Cluster.Agents.Http;
using Verity.Cluster.Client;

namespace Verity.Cli.Commands;

/// <summary>The options every job-API command shares (<c>--node</c>, <c>--api-key</c>, <c>--data-dir</c>) and the client they describe.</summary>
internal sealed class NodeClientOptions
{
    public const string DefaultNode = "http://127.0.0.1:8547";

    public Option<string?> Node { get; }
    public Option<string?> ApiKey { get; } = new("--api-key") { Description = $"a client API key of the node (default: ${NodeCredentials.ApiKeyVariable}, else apiKey in <data dir>/{NodeCredentials.FileName})" };
    public Option<DirectoryInfo?> DataDir { get; } = new("--data-dir") { Description = $"the node's data directory, where it keeps {NodeCredentials.FileName} (default: {NodeCredentials.DefaultDataDir()})" };

    /// <param name="withDefaultNode">False where no --node means something else (bench -c: an embedded node).</param>
    public NodeClientOptions(bool withDefaultNode = true)
    {
        Node = withDefaultNode
            ? new Option<string?>("--node") { Description = "the node's URL", DefaultValueFactory = _ => DefaultNode }
            : new Option<string?>("--node") { Description = "the node's URL" };
    }

    public void AddTo(Command command)
    {
        command.Options.Add(Node);
        command.Options.Add(ApiKey);
        command.Options.Add(DataDir);
    }

    /// <summary>The node's address from --node (null when not given and there is no default).</summary>
    /// <exception cref="ArgumentException">Not an http(s) URL.</exception>
    public Uri? ParseNode(ParseResult r) => r.GetValue(Node) is { } url ? NodeAddress.Parse(url) : null;

    /// <summary>A client for the node at --node with the resolved key.</summary>
    /// <exception cref="CliException">No node URL, or no API key anywhere.</exception>
    public NodeClient CreateClient(ParseResult r)
    {
        var node = ParseNode(r) ?? throw new CliException("--node is required.");
        string key = NodeCredentials.ResolveApiKey(r.GetValue(ApiKey), r.GetValue(DataDir));
        return new NodeClient(node, key);
    }
}
