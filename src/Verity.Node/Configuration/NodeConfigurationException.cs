namespace Verity.Node.Configuration;

/// <summary>The node's settings are wrong; <see cref="Errors"/> has one message per problem, each naming the setting.</summary>
public sealed class NodeConfigurationException(IReadOnlyList<string> errors)
    : Exception(errors.Count == 1 ? $"invalid node configuration: {errors[0]}" : "invalid node configuration:\n  " + string.Join("\n  ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
