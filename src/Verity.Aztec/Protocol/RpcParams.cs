using System.Text.Json;

namespace Verity.Aztec.Protocol;

/// <summary>
/// Reads a call's positional parameters the way Aztec's zod schemas (<c>proving_broker/rpc.ts</c>) accept them:
/// trailing optional parameters may be missing or null, extra ones are refused, and every refusal names the
/// parameter's position and what was expected (JSON-RPC error -32701).
/// </summary>
internal readonly struct RpcParams
{
    private readonly JsonElement[] _items;

    private RpcParams(JsonElement[] items) => _items = items;

    /// <summary>
    /// The params array of a call (missing means none), refused unless it has <paramref name="required"/> to
    /// <paramref name="total"/> items — counted before anything is copied, so a huge array costs nothing.
    /// </summary>
    public static RpcParams From(JsonElement? @params, string method, int required, int total)
    {
        if (@params is not { } p || p.ValueKind == JsonValueKind.Undefined) p = default;
        else if (p.ValueKind != JsonValueKind.Array) throw new AztecParamsShapeException($"Params to {method} is not an array");
        int count = p.ValueKind == JsonValueKind.Array ? p.GetArrayLength() : 0;
        if (count > total) throw new RpcParamsException($"Array must contain at most {total} element(s) ()");
        if (count < required) throw new RpcParamsException($"Required ({count})");
        return new RpcParams(count == 0 ? [] : [.. p.EnumerateArray()]);
    }

    private JsonElement? Optional(int i) =>
        i < _items.Length && _items[i].ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined) ? _items[i] : null;

    private JsonElement Required(int i) =>
        i < _items.Length && _items[i].ValueKind != JsonValueKind.Undefined ? _items[i] : throw new RpcParamsException($"Required ({i})");

    /// <summary>An id or URI: stored and compared, so it must be exact — refused when it holds a lone surrogate, bytes
    /// that are not UTF-8, or a NUL (which PostgreSQL's text cannot hold; Aztec's ids and URIs never do).</summary>
    public string String(int i) => AsString(Required(i), i.ToString());

    /// <summary>
    /// Free text (an agent's error message): read whatever it holds — a string cut inside a surrogate pair, invalid
    /// UTF-8, NULs — with each unreadable unit replaced by U+FFFD, so a report is never refused for its wording.
    /// </summary>
    public string Text(int i)
    {
        var e = Required(i);
        if (e.ValueKind != JsonValueKind.String) throw Expected("string", e, i.ToString());
        return JsonText.ReadLossy(e).Replace('\0', '\uFFFD');
    }

    public double Number(int i)
    {
        var e = Required(i);
        if (e.ValueKind != JsonValueKind.Number) throw Expected("number", e, i.ToString());
        return e.GetDouble();
    }

    public bool? OptionalBoolean(int i)
    {
        if (Optional(i) is not { } e) return null;
        return e.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Expected("boolean", e, i.ToString()),
        };
    }

    public IReadOnlyList<string> StringArray(int i)
    {
        var e = Required(i);
        if (e.ValueKind != JsonValueKind.Array) throw Expected("array", e, i.ToString());
        var list = new List<string>(e.GetArrayLength());
        int k = 0;
        foreach (var item in e.EnumerateArray()) list.Add(AsString(item, $"{i}.{k++}"));
        return list;
    }

    /// <summary><c>ProvingJobFilter</c>: <c>{allowList: ProvingRequestType[]}</c>; missing or null means every type.</summary>
    public ProvingJobFilter Filter(int i)
    {
        if (Optional(i) is not { } e) return ProvingJobFilter.All;
        if (e.ValueKind != JsonValueKind.Object) throw Expected("object", e, i.ToString());
        if (!e.TryGetProperty("allowList", out var list)) throw new RpcParamsException($"Required ({i}.allowList)");
        if (list.ValueKind != JsonValueKind.Array) throw Expected("array", list, $"{i}.allowList");
        // Each type once: the list's length does not reach the database, however long the agent made it.
        var types = new List<ProvingRequestType>();
        var seen = new bool[ProvingRequestTypes.All.Count];
        int k = 0;
        foreach (var item in list.EnumerateArray())
        {
            var type = Type(item, $"{i}.allowList.{k++}");
            if (!seen[(int)type]) types.Add(type);
            seen[(int)type] = true;
        }
        return new ProvingJobFilter(types);
    }

    /// <summary><c>ProvingJob</c>: <c>{id, type, epochNumber, inputsUri}</c> (other keys are ignored, as zod strips them).</summary>
    public ProvingJob Job(int i)
    {
        var e = Required(i);
        if (e.ValueKind != JsonValueKind.Object) throw Expected("object", e, i.ToString());
        string id = AsString(Property(e, "id", i), $"{i}.id");
        var type = Type(Property(e, "type", i), $"{i}.type");
        long epoch = Epoch(Property(e, "epochNumber", i), $"{i}.epochNumber");
        string inputs = AsString(Property(e, "inputsUri", i), $"{i}.inputsUri");
        return new ProvingJob(id, type, epoch, inputs);
    }

    private static JsonElement Property(JsonElement e, string name, int i) =>
        e.TryGetProperty(name, out var value) ? value : throw new RpcParamsException($"Required ({i}.{name})");

    private static string AsString(JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.String) throw Expected("string", e, path);
        string value;
        try { value = e.GetString()!; }
        catch (InvalidOperationException) { throw new RpcParamsException($"Invalid string: not valid Unicode ({path})"); }
        if (value.Contains('\0')) throw new RpcParamsException($"Invalid string: contains a NUL character ({path})");
        return value;
    }

    private static ProvingRequestType Type(JsonElement e, string path)
    {
        if (e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out long n) && ProvingRequestTypes.IsDefined(n)) return (ProvingRequestType)n;
        throw new RpcParamsException($"Invalid enum value. Expected a ProvingRequestType number 0..{ProvingRequestTypes.All.Count - 1}, received {Describe(e)} ({path})");
    }

    /// <summary>An epoch: a non-negative integer, as a number or a decimal string (Aztec's EpochNumberSchema coerces both).</summary>
    private static long Epoch(JsonElement e, string path)
    {
        if (e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out long n) && n >= 0) return n;
        if (e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out double d) && d >= 0 && d == Math.Floor(d) && d <= 9007199254740991) return (long)d;
        if (e.ValueKind == JsonValueKind.String && long.TryParse(e.GetString(), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out long s)) return s;
        throw new RpcParamsException($"Expected a non-negative integer epoch, received {Describe(e)} ({path})");
    }

    private static RpcParamsException Expected(string what, JsonElement e, string path) =>
        new($"Expected {what}, received {Describe(e)} ({path})");

    private static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Array => "array",
        JsonValueKind.Object => "object",
        JsonValueKind.Null => "null",
        _ => "undefined",
    };
}

/// <summary>The params member is not an array (Aztec's server answers this with -32702, as a failed call).</summary>
internal sealed class AztecParamsShapeException(string message) : Exception(message);
