using System.Text.Json;
using Verity.Aztec.Metrics;
using Verity.Aztec.Scheduling;
using Verity.Aztec.Store;

namespace Verity.Aztec.Protocol;

/// <summary>
/// Answers one JSON-RPC request object: finds the method among the namespaces Aztec's clients use — <c>proverBroker</c>
/// (prover node and agents: all eight methods), <c>provingJobProducer</c> and <c>provingJobConsumer</c> (the producer and
/// consumer halves) — reads its parameters and calls the broker. Errors take Aztec's codes and shapes.
/// </summary>
internal sealed class AztecRpcDispatcher
{
    private static readonly string[] Producer = ["enqueueProvingJob", "getProvingJobStatus", "cancelProvingJob", "getCompletedJobs"];
    private static readonly string[] Consumer = ["getProvingJob", "reportProvingJobProgress", "reportProvingJobSuccess", "reportProvingJobError"];

    private static readonly Dictionary<string, string> Methods = BuildMethods();

    private readonly AztecBroker _broker;
    private readonly AztecMetrics _metrics;

    public AztecRpcDispatcher(AztecBroker broker, AztecMetrics metrics)
    {
        _broker = broker;
        _metrics = metrics;
    }

    /// <summary>Every full method name served ("proverBroker_getProvingJob", ...).</summary>
    public static IEnumerable<string> MethodNames => Methods.Keys;

    public async Task<RpcReply> HandleAsync(JsonElement request, CancellationToken ct)
    {
        if (request.ValueKind != JsonValueKind.Object) return RpcReply.Fail(null, RpcError.InvalidRequest, "Invalid Request");
        JsonElement? id = request.TryGetProperty("id", out var idElement) ? idElement : null;
        if (!request.TryGetProperty("method", out var methodElement) || methodElement.ValueKind != JsonValueKind.String
            || methodElement.GetString() is not { Length: > 0 } method)
            return RpcReply.Fail(id, RpcError.InvalidRequest, "Invalid request");
        if (!Methods.TryGetValue(method, out var name))
            return RpcReply.Fail(id, RpcError.MethodNotFound, $"Method not found: {method}");

        JsonElement? paramsElement = request.TryGetProperty("params", out var p) ? p : null;
        try
        {
            var args = RpcParams.From(paramsElement, name);
            object? result = await CallAsync(name, args, ct).ConfigureAwait(false);
            _metrics.Call(name, ok: true);
            return new RpcReply(id, result, null);
        }
        catch (RpcParamsException e)
        {
            _metrics.Call(name, ok: false);
            return RpcReply.Fail(id, RpcError.InvalidParams, e.Message);
        }
        catch (Exception e) when (e is AztecCallException or AztecParamsShapeException or AztecStoreException)
        {
            _metrics.Call(name, ok: false);
            return RpcReply.Fail(id, RpcError.CallFailed, e.Message);
        }
    }

    private async Task<object?> CallAsync(string method, RpcParams args, CancellationToken ct)
    {
        switch (method)
        {
            case "enqueueProvingJob":
                args.Arity(1, 1);
                return await _broker.EnqueueAsync(args.Job(0), ct).ConfigureAwait(false);
            case "getProvingJobStatus":
                args.Arity(1, 1);
                return await _broker.GetStatusAsync(args.String(0), ct).ConfigureAwait(false);
            case "cancelProvingJob":
                args.Arity(1, 1);
                await _broker.CancelAsync(args.String(0), ct).ConfigureAwait(false);
                return null;
            case "getCompletedJobs":
                args.Arity(1, 1);
                return await _broker.GetCompletedAsync(args.StringArray(0), ct).ConfigureAwait(false);
            case "getProvingJob":
                args.Arity(0, 1);
                return await _broker.TakeAsync(args.Filter(0), ct).ConfigureAwait(false);
            case "reportProvingJobProgress":
            {
                args.Arity(2, 3);
                string id = args.String(0);
                double startedAt = args.Number(1);
                var filter = args.Filter(2);
                return await _broker.ReportProgressAsync(id, ClampToLong(startedAt), filter, ct).ConfigureAwait(false);
            }
            case "reportProvingJobSuccess":
            {
                args.Arity(2, 3);
                string id = args.String(0), uri = args.String(1);
                var filter = args.Filter(2);
                return await _broker.ReportSuccessAsync(id, uri, filter, ct).ConfigureAwait(false);
            }
            case "reportProvingJobError":
            {
                args.Arity(2, 4);
                string id = args.String(0), message = args.String(1);
                bool retry = args.OptionalBoolean(2) ?? false;
                var filter = args.Filter(3);
                return await _broker.ReportErrorAsync(id, message, retry, filter, ct).ConfigureAwait(false);
            }
            default:
                throw new InvalidOperationException($"method {method} is registered but not dispatched");
        }
    }

    /// <summary>A JSON number as ms: fractions dropped, out-of-range values pinned (zod accepts any number here).</summary>
    private static long ClampToLong(double value) =>
        double.IsNaN(value) ? 0 : value >= long.MaxValue ? long.MaxValue : value <= long.MinValue ? long.MinValue : (long)value;

    private static Dictionary<string, string> BuildMethods()
    {
        var methods = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var m in Producer.Concat(Consumer)) methods["proverBroker_" + m] = m;
        foreach (var m in Producer) methods["provingJobProducer_" + m] = m;
        foreach (var m in Consumer) methods["provingJobConsumer_" + m] = m;
        return methods;
    }
}
