using System.Text.Json;

namespace Verity.Chain.Events;

/// <summary>
/// A cursor position in a JSON file, replaced atomically (written beside it, flushed to disk, renamed over it),
/// so a crash leaves either the old position or the new one, never half a file.
/// </summary>
public sealed class FileCursorStore(string path) : ICursorStore
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    public string Path { get; } = System.IO.Path.GetFullPath(path);

    public async Task<CursorPosition?> LoadAsync(CancellationToken ct = default)
    {
        if (!File.Exists(Path)) return null;
        CursorPosition? position;
        try
        {
            await using var stream = File.OpenRead(Path);
            position = await JsonSerializer.DeserializeAsync<CursorPosition>(stream, Json, ct).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"the event cursor file {Path} is not a valid cursor position: {e.Message}", e);
        }
        if (position?.Block?.Hash is null || position.Recent is null || position.Recent.Any(b => b?.Hash is null))
            throw new InvalidDataException($"the event cursor file {Path} is not a valid cursor position: a block or its hash is missing");
        return position;
    }

    public async Task SaveAsync(CursorPosition position, CancellationToken ct = default)
    {
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        Directory.CreateDirectory(directory);
        var temp = Path + ".tmp";
        await using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            await JsonSerializer.SerializeAsync(stream, position, Json, ct).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, Path, overwrite: true);
    }
}
