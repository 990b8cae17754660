using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Verity.Market.OrderStream.Server;

/// <summary>The stream's JSON answers; errors are <c>{"error":"…"}</c>.</summary>
internal static class JsonResponses
{
    public const string ContentType = "application/json; charset=utf-8";

    public static IResult Json(Action<Utf8JsonWriter> write, int status = StatusCodes.Status200OK)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer)) write(w);
        return Results.Text(System.Text.Encoding.UTF8.GetString(buffer.ToArray()), ContentType, System.Text.Encoding.UTF8, status);
    }

    public static IResult Error(int status, string message) => Json(w =>
    {
        w.WriteStartObject();
        w.WriteString("error", message);
        w.WriteEndObject();
    }, status);

    public static async Task WriteErrorAsync(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = ContentType;
        await http.Response.WriteAsync(JsonSerializer.Serialize(new { error = message }), http.RequestAborted).ConfigureAwait(false);
    }
}
