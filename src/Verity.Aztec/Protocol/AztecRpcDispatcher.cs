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

    /// <summary>Each method's (required, total) positional parameters, as its zod tuple in Aztec's rpc.ts.</summary>
    private static readonly Dictionary<string, (int Required, int Total)> Arity = new(StringComparer.Ordinal)
    {
        ["enqueueProvingJob"] = (1, 1),
        ["getProvingJobStatus"] = (1, 1),
        ["cancelProvingJob"] = (1, 1),
        ["getCompletedJobs"] = (1, 1),
        ["getProvingJob"] = (0, 1),
        ["reportProvingJobProgress"] = (2, 3),
        ["reportProvingJobSuccess"] = (2, 3),
        ["reportProvingJobError"] = (2, 4),
    };

    private readonly AztecBroker _broker;
    private readonly AztecMetrics _metrics;
    private readonly ILogger _log;

    public AztecRpcDispatcher(AztecBroker broker, AztecMetrics metrics, ILogger log)
    {
        _broker = broker;
        _metrics = metrics;
        _log = log;
    }

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
            var (required, total) = Arity[name];
            var args = RpcParams.From(paramsElement, name, required, total);
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
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // One call's failure is that call's error reply, as in Aztec's processBatch: the batch's other replies
            // (a job just handed out among them) must still reach the agent.
            _log.LogError(e, "aztec: {Method} failed", method);
            _metrics.Call(name, ok: false);
            return RpcReply.Fail(id, RpcError.CallFailed, $"internal error: {e.Message}");
        }
    }

    private async Task<object?> CallAsync(string method, RpcParams args, CancellationToken ct)
    {
        switch (method)
        {
            case "enqueueProvingJob":
                return await _broker.EnqueueAsync(args.Job(0), ct).ConfigureAwait(false);
            case "getProvingJobStatus":
                return await _broker.GetStatusAsync(args.String(0), ct).ConfigureAwait(false);
            case "cancelProvingJob":
                await _broker.CancelAsync(args.String(0), ct).ConfigureAwait(false);
                return null;
            case "getCompletedJobs":
                return await _broker.GetCompletedAsync(args.StringArray(0), ct).ConfigureAwait(false);
            case "getProvingJob":
                return await _broker.TakeAsync(args.Filter(0), ct).ConfigureAwait(false);
            case "reportProvingJobProgress":
            {
                string id = args.String(0);
                double startedAt = args.Number(1);
                var filter = args.Filter(2);
                return await _broker.ReportProgressAsync(id, ClampToLong(startedAt), filter, ct).ConfigureAwait(false);
            }
            case "reportProvingJobSuccess":
            {
                string id = args.String(0), uri = args.String(1);
                var filter = args.Filter(2);
                return await _broker.ReportSuccessAsync(id, uri, filter, ct).ConfigureAwait(false);
            }
            case "reportProvingJobError":
            {
                string id = args.String(0), message = args.Text(1);
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
