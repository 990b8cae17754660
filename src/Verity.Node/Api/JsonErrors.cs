using System.Text.Json;

namespace Verity.Node.Api;

/// <summary>Turns System.Text.Json's errors into messages for clients.</summary>
internal static class JsonErrors
{
    /// <summary>A JSON error without the .NET type names the serializer puts in its messages.</summary>
    public static string Describe(JsonException e)
    {
        string where = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "" : $" at {e.Path}";
        string message = e.Message;
        // "The JSON value could not be converted to System.Int32. Path: ..." says nothing a client can act on.
        const string convert = "The JSON value could not be converted to ";
        if (message.StartsWith(convert, StringComparison.Ordinal))
        {
            int end = message.IndexOf(". Path:", StringComparison.Ordinal);
            string type = end > convert.Length ? message[convert.Length..end] : "";
            return $"a value of the wrong type{where}" + (Expected(type) is { } expected ? $" (expected {expected})" : "");
        }
        if (message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            int open = message.IndexOf('\'');
            int close = open < 0 ? -1 : message.IndexOf('\'', open + 1);
            return close > open ? $"unknown field '{message[(open + 1)..close]}'" : $"unknown field{where}";
        }
        int cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut < 0) cut = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).TrimEnd('.', ' ') + where;
    }

    /// <summary>
    /// What a client should send for a .NET type named in a serializer message. Records bound through their
    /// constructor name themselves rather than the property's type, so object types get no hint.
    /// </summary>
    private static string? Expected(string typeName)
    {
        const string nullable = "System.Nullable`1[";
        if (typeName.StartsWith(nullable, StringComparison.Ordinal) && typeName.EndsWith(']')) typeName = typeName[nullable.Length..^1];
        return typeName switch
        {
            "System.Int32" or "System.Int64" => "an integer",
            "System.Double" => "a number",
            "System.Boolean" => "true or false",
            "System.String" => "a string",
            "System.DateTimeOffset" => "an ISO 8601 date-time",
            "Verity.Cluster.Jobs.TaskType" => "execute, prove or finalize",
            "Verity.Cluster.Jobs.JobState" => "running, succeeded, failed or cancelled",
            _ when typeName.StartsWith("System.Collections.Generic.IReadOnlyList", StringComparison.Ordinal) => "an array",
            _ => null,
        };
    }
}
