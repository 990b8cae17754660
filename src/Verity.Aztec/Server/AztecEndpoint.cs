using Verity.Aztec.Protocol;
using Verity.Aztec.Scheduling;

namespace Verity.Aztec.Server;

/// <summary>
/// The protocol as one request handler, for a host to serve on a listener of its own (the node does:
/// <c>Verity.Node/Hosting/AztecListener</c>), since Aztec's clients send no credentials and belong on a private network.
/// </summary>
public static class AztecEndpoint
{
    /// <summary>The handler for every request to the Aztec listener: JSON-RPC over POST, GET /status, the source filter.</summary>
    public static RequestDelegate Create(AztecBroker broker, ILogger log)
    {
        var endpoint = new AztecHttpEndpoint(new AztecRpcDispatcher(broker, broker.Metrics, log), broker.Options,
            async ct => await broker.GetStatusAsync("", ct).ConfigureAwait(false), log);
        return endpoint.HandleAsync;
    }
}
