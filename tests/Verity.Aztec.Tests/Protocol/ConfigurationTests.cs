using Verity.Node.Configuration;

namespace Verity.Aztec.Tests.Protocol;

/// <summary>Node:Aztec settings: flags and keys bind, bad values are named, and the endpoint is off unless asked for.</summary>
public sealed class ConfigurationTests
{
    private static (NodeOptions? Options, IReadOnlyList<string> Errors) Load(params string[] args)
    {
        try { return (NodeConfiguration.LoadFromArgs(args, new System.Collections.Hashtable()), []); }
        catch (NodeConfigurationException e) { return (null, e.Errors); }
    }

    [Fact]
    public void The_endpoint_is_off_by_default_and_the_flag_and_keys_turn_it_on()
    {
        var (off, _) = Load();
        Assert.Null(off!.Aztec.Listen);
        var (on, errors) = Load("--aztec-listen", "http://0.0.0.0:8080", "--Node:Aztec:JobTimeoutMs=5000", "--Node:Aztec:MaxAttempts=5",
            "--Node:Aztec:AllowFrom:0=10.0.0.0/8", "--Node:Aztec:AllowFrom:1=loopback");
        Assert.Empty(errors);
        Assert.Equal("http://0.0.0.0:8080", on!.Aztec.Listen);
        Assert.Equal(5000, on.Aztec.JobTimeoutMs);
        Assert.Equal(5, on.Aztec.MaxAttempts);
        Assert.Equal(["10.0.0.0/8", "loopback"], on.Aztec.AllowFrom); // replaces the default, does not add to it
        Assert.Equal(["private"], off.Aztec.EffectiveAllowFrom());
    }

    [Theory]
    [InlineData("--aztec-listen=ftp://x:1", "Node:Aztec:Listen")]
    [InlineData("--aztec-listen=http://x:1/path", "Node:Aztec:Listen")]
    [InlineData("--Node:Aztec:JobTimeoutMs=0", "Node:Aztec:JobTimeoutMs")]
    [InlineData("--Node:Aztec:MaxAttempts=0", "Node:Aztec:MaxAttempts")]
    [InlineData("--Node:Aztec:AllowFrom:0=everyone", "Node:Aztec:AllowFrom")]
    [InlineData("--Node:Aztec:MaxBodyBytes=10", "Node:Aztec:MaxBodyBytes")]
    [InlineData("--Node:Aztec:Lisen=http://x:1", "Node:Aztec:Lisen")]
    public void Bad_settings_are_named(string arg, string setting)
    {
        var (_, errors) = Load(arg);
        Assert.Contains(errors, e => e.Contains(setting));
    }
}
