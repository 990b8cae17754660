using System.Text.Json;

namespace Verity.Aztec.Protocol;

/// <summary>
/// One JSON-RPC response object. <see cref="Id"/> is the request's id echoed as sent (null when it had none or was
/// unreadable); a void or empty result is written without a <c>result</c> member, as Aztec's server does.
/// </summary>
internal sealed record RpcReply(JsonElement? Id, object? Result, RpcError? Error)
{
    public static RpcReply Fail(JsonElement? id, int code, string message) => new(id, null, new RpcError(code, message));

    /// <summary>Writes the response object.</summary>
    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("jsonrpc", "2.0");
        w.WritePropertyName("id");
        if (Id is { } id && id.ValueKind is JsonValueKind.String or JsonValueKind.Number) id.WriteTo(w);
        else w.WriteNullValue();
        if (Error is { } error)
        {
            w.WriteStartObject("error");
            w.WriteNumber("code", error.Code);
            w.WriteString("message", error.Message);
            w.WriteEndObject();
        }
        else if (Result is not null)
        {
            w.WritePropertyName("result");
            WriteValue(w, Result);
        }
        w.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter w, object value)
    {
        switch (value)
        {
            case ProvingJobStatus s:
                w.WriteStartObject();
                w.WriteString("status", s.Status);
                if (s.Value != null) w.WriteString("value", s.Value);
                if (s.Reason != null) w.WriteString("reason", s.Reason);
                w.WriteEndObject();
                break;
            case JobOffer o:
                w.WriteStartObject();
                w.WriteStartObject("job");
                w.WriteString("id", o.Job.Id);
                w.WriteNumber("type", (int)o.Job.Type);
                w.WriteNumber("epochNumber", o.Job.EpochNumber);
                w.WriteString("inputsUri", o.Job.InputsUri);
                w.WriteEndObject();
                w.WriteNumber("time", o.Time);
                w.WriteEndObject();
                break;
            case IEnumerable<string> ids:
                w.WriteStartArray();
                foreach (var id in ids) w.WriteStringValue(id);
                w.WriteEndArray();
                break;
            default:
                throw new InvalidOperationException($"no JSON form for a {value.GetType().Name} result");
        }
    }
}
