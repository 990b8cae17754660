namespace Verity.Broker.Config;

/// <summary>
/// broker.toml could not be used. <see cref="Problems"/> lists every problem found (not just the first), each as
/// <c>broker.toml:LINE: [section] key: what is wrong</c>; the message holds them all, one per line.
/// </summary>
public sealed class BrokerConfigException(IReadOnlyList<string> problems)
    : Exception(problems.Count == 1 ? problems[0] : $"{problems.Count} problems:{Environment.NewLine}{string.Join(Environment.NewLine, problems)}")
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
