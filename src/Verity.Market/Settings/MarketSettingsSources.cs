namespace Verity.Market.Settings;

/// <summary>What the command line gave (null: not given); <see cref="MarketSettings.Resolve"/> fills the rest.</summary>
public sealed record MarketSettingsSources
{
    public string? RpcUrl { get; init; }
    public string? MarketAddress { get; init; }
    public string? OrderStreamUrl { get; init; }
    /// <summary>A file holding the private key (hex): keys on the command line would show in <c>ps</c>.</summary>
    public string? PrivateKeyFile { get; init; }
    /// <summary>A role of the deployment file (requestor, prover, prover2) whose key to use.</summary>
    public string? Account { get; init; }
    /// <summary>
    /// The devnet role a command signs as when no key is given at all (requestor for `request`, prover for `proving`),
    /// used only when the market in use is the deployment file's.
    /// </summary>
    public string? DefaultRole { get; init; }
    public string? ConfigFile { get; init; }
    /// <summary>The devnet deployment file; null: the default one when it exists.</summary>
    public string? DeploymentFile { get; init; }
}
