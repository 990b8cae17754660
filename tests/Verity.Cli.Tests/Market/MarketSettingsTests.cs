using Verity.Market.Devnet;
using Verity.Market.Settings;

namespace Verity.Cli.Tests.Market;

/// <summary>Where each market setting comes from: flags, then the environment, then --config, then the deployment file.</summary>
public sealed class MarketSettingsTests : IDisposable
{
    private const string Key1 = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
    private const string Key2 = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
    private const string MarketA = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    private const string MarketB = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
    private readonly string _dir = Directory.CreateTempSubdirectory("verity-settings-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Deployment(long chainId = 31337, bool development = true)
    {
        var path = Path.Combine(_dir, "deployment.json");
        new DevnetDeployment("http://127.0.0.1:9545", chainId,
            new DevnetAddresses("0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0", "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9",
                "0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9", MarketA),
            DeploymentBlock: 3, DevelopmentMode: development,
            new Dictionary<string, DevnetAccount> { ["prover"] = new("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", Key2) }).Save(path);
        return path;
    }

    /// <summary>The given variables, and XDG_DATA_HOME in the test's directory: no default devnet file of this machine's user.</summary>
    private Func<string, string?> Env(params (string Name, string Value)[] vars) =>
        name => name == "XDG_DATA_HOME" ? Path.Combine(_dir, "xdg") : vars.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void Flags_beat_the_environment_which_beats_the_config_which_beats_the_deployment()
    {
        var config = Path.Combine(_dir, "config.json");
        File.WriteAllText(config, $$"""{"rpcUrl": "http://config:1", "marketAddress": "{{MarketB}}", "orderStreamUrl": "http://stream:2"}""");
        var deployment = Deployment();

        var fromFiles = MarketSettings.Resolve(new MarketSettingsSources { ConfigFile = config, DeploymentFile = deployment }, Env());
        Assert.Equal(("http://config:1", MarketB, "http://stream:2"), (fromFiles.RpcUrl, fromFiles.MarketAddress, fromFiles.OrderStreamUrl));
        // The deployment describes another market than the one in use: no development mode for it.
        Assert.Null(fromFiles.Deployment);
        Assert.False(fromFiles.IsDevelopment);

        var fromEnv = MarketSettings.Resolve(new MarketSettingsSources { ConfigFile = config, DeploymentFile = deployment },
            Env((MarketSettings.RpcUrlVariable, "http://env:3"), (MarketSettings.MarketAddressVariable, MarketA.ToLowerInvariant())));
        Assert.Equal(("http://env:3", MarketA), (fromEnv.RpcUrl, fromEnv.MarketAddress));
        Assert.True(fromEnv.IsDevelopment);

        var fromFlags = MarketSettings.Resolve(new MarketSettingsSources { RpcUrl = "http://flag:4", ConfigFile = config, DeploymentFile = deployment },
            Env((MarketSettings.RpcUrlVariable, "http://env:3")));
        Assert.Equal("http://flag:4", fromFlags.RpcUrl);

        var deploymentOnly = MarketSettings.Resolve(new MarketSettingsSources { DeploymentFile = deployment }, Env());
        Assert.Equal(("http://127.0.0.1:9545", MarketA), (deploymentOnly.RpcUrl, deploymentOnly.MarketAddress));
        Assert.True(deploymentOnly.IsDevelopment);
    }

    [Fact]
    public void Development_mode_needs_the_flag_and_chain_31337()
    {
        Assert.False(MarketSettings.Resolve(new MarketSettingsSources { DeploymentFile = Deployment(chainId: 1) }, Env()).IsDevelopment);
        Assert.False(MarketSettings.Resolve(new MarketSettingsSources { DeploymentFile = Deployment(development: false) }, Env()).IsDevelopment);
    }

    [Fact]
    public void The_key_comes_from_the_account_role_a_key_file_or_the_environment_and_is_never_shown()
    {
        var deployment = Deployment();
        var byRole = MarketSettings.Resolve(new MarketSettingsSources { Account = "prover", DeploymentFile = deployment }, Env((MarketSettings.PrivateKeyVariable, Key1)));
        Assert.Equal(Key2, byRole.RequirePrivateKey());
        Assert.Equal("--account prover", byRole.KeySource);

        var keyFile = Path.Combine(_dir, "key");
        File.WriteAllText(keyFile, Key1[2..] + "\n");
        Assert.Equal(Key1, MarketSettings.Resolve(new MarketSettingsSources { PrivateKeyFile = keyFile }, Env()).RequirePrivateKey());
        Assert.Equal(Key1, MarketSettings.Resolve(new MarketSettingsSources(), Env((MarketSettings.PrivateKeyVariable, Key1))).RequirePrivateKey());

        var bad = Assert.Throws<MarketSettingsException>(() =>
            MarketSettings.Resolve(new MarketSettingsSources(), Env((MarketSettings.PrivateKeyVariable, Key1[..^1] + "z"))));
        Assert.Contains(MarketSettings.PrivateKeyVariable, bad.Message);
        Assert.DoesNotContain(Key1[4..20], bad.Message);

        var unknown = Assert.Throws<MarketSettingsException>(() =>
            MarketSettings.Resolve(new MarketSettingsSources { Account = "boss", DeploymentFile = deployment }, Env()));
        Assert.Contains("--account 'boss' is not a role", unknown.Message);
        Assert.DoesNotContain(Key2[4..20], unknown.Message);
    }

    [Fact]
    public void A_commands_own_devnet_role_signs_only_when_no_key_is_given_and_only_for_the_deployments_market()
    {
        var deployment = Deployment();
        var byDefault = MarketSettings.Resolve(new MarketSettingsSources { DefaultRole = "prover", DeploymentFile = deployment }, Env());
        Assert.Equal(Key2, byDefault.RequirePrivateKey());
        Assert.Contains("devnet's prover account", byDefault.KeySource);

        // A key given anywhere wins over the default role.
        Assert.Equal(Key1, MarketSettings.Resolve(new MarketSettingsSources { DefaultRole = "prover", DeploymentFile = deployment },
            Env((MarketSettings.PrivateKeyVariable, Key1))).RequirePrivateKey());
        // Another market than the deployment's: the devnet's keys are never used for it.
        var other = MarketSettings.Resolve(new MarketSettingsSources { DefaultRole = "prover", DeploymentFile = deployment, MarketAddress = MarketB }, Env());
        Assert.False(other.HasPrivateKey);
        // A role the deployment does not have: no key, and the usual error when one is needed.
        Assert.False(MarketSettings.Resolve(new MarketSettingsSources { DefaultRole = "requestor", DeploymentFile = deployment }, Env()).HasPrivateKey);
    }

    [Fact]
    public void Missing_settings_name_the_flag_and_the_variable()
    {
        var empty = MarketSettings.Resolve(new MarketSettingsSources(), Env());
        var rpc = Assert.Throws<MarketSettingsException>(() => empty.RequireRpcUrl());
        Assert.Contains("--rpc-url", rpc.Message);
        Assert.Contains(MarketSettings.RpcUrlVariable, rpc.Message);
        var key = Assert.Throws<MarketSettingsException>(() => empty.RequirePrivateKey());
        Assert.Contains("--account", key.Message);
        Assert.Contains(MarketSettings.PrivateKeyVariable, key.Message);
        var stream = Assert.Throws<MarketSettingsException>(() => empty.RequireOrderStreamUrl());
        Assert.Contains("--order-stream", stream.Message);
    }

    [Theory]
    [InlineData("""{"rpcUrl": "ftp://x"}""", "rpcUrl in")]
    [InlineData("""{"marketAddress": "0x1234"}""", "not an Ethereum address")]
    [InlineData("""{"rpcURL": "http://x"}""", "not a valid config file")]
    [InlineData("""{"rpcUrl": """, "not a valid config file")]
    public void A_bad_config_file_is_refused_naming_the_problem(string json, string expected)
    {
        var config = Path.Combine(_dir, "config.json");
        File.WriteAllText(config, json);
        var e = Assert.Throws<MarketSettingsException>(() => MarketSettings.Resolve(new MarketSettingsSources { ConfigFile = config, DeploymentFile = Deployment() }, Env()));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void The_deployment_file_is_private_to_its_owner()
    {
        var path = Deployment();
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(31337, DevnetDeployment.Load(path).ChainId);
    }
}
