namespace Verity.Broker.Config;

/// <summary>
/// The configuration in force. Hot reload (<see cref="BrokerConfigWatcher"/>) replaces it whole; services read
/// <see cref="Current"/> once per decision, so a new price or limit applies to the next decision without a restart.
/// </summary>
public sealed class BrokerConfigSource(BrokerConfig initial)
{
    private volatile BrokerConfig _current = initial;

    public BrokerConfig Current => _current;

    /// <summary>Raised after <see cref="Current"/> changed (on the thread that changed it).</summary>
    public event Action<BrokerConfig>? Changed;

    public void Set(BrokerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _current = config;
        Changed?.Invoke(config);
    }
}
