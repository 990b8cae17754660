using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Verity.Aztec.Protocol;

/// <summary>
/// Reads a JSON string that <see cref="JsonElement.GetString"/> refuses — a lone surrogate escape such as
/// <c>\ud83d</c> (what JavaScript's JSON.stringify writes for a string cut inside a surrogate pair, and Aztec's server
/// accepts), or bytes that are not UTF-8 — replacing each unreadable unit with U+FFFD.
/// </summary>
internal static class JsonText
{
    private static readonly UTF8Encoding Lossy = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    public static string ReadLossy(JsonElement e)
    {
        try { return e.GetString()!; }
        catch (InvalidOperationException) { }
        var raw = JsonMarshal.GetRawUtf8Value(e); // the token with its quotes, escapes as sent
        string text = Lossy.GetString(raw[1..^1]);
        var s = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c != '\\' || i + 1 >= text.Length)
            {
                s.Append(c);
                continue;
            }
            char kind = text[++i];
            switch (kind)
            {
                case 'b': s.Append('\b'); break;
                case 'f': s.Append('\f'); break;
                case 'n': s.Append('\n'); break;
                case 'r': s.Append('\r'); break;
                case 't': s.Append('\t'); break;
                case 'u' when i + 4 < text.Length && ushort.TryParse(text.AsSpan(i + 1, 4), System.Globalization.NumberStyles.HexNumber, null, out ushort unit):
                    s.Append((char)unit);
                    i += 4;
                    break;
                default: s.Append(kind); break; // \" \\ \/
            }
        }
        // Pair what pairs; every surrogate left alone becomes U+FFFD.
        var chars = s.ToString().ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1])) i++;
            else if (char.IsSurrogate(chars[i])) chars[i] = '\uFFFD';
        }
        return new string(chars);
    }
}
