namespace Verity.Aztec.Tests.Harness;

/// <summary>Aztec's own broker, once for the class, with the short job timeout of these tests.</summary>
public sealed class AztecBrokerFixture : IAsyncLifetime
{
    private AztecBrokerProcess? _broker;

    internal AztecBrokerProcess Broker => _broker ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() =>
        _broker = await AztecBrokerProcess.StartAsync(HarnessRun.JobTimeoutMs, HarnessRun.PollIntervalMs);

    public async Task DisposeAsync()
    {
        if (_broker != null) await _broker.DisposeAsync();
    }
}

/// <summary>
/// Every harness scenario against Aztec's own ProvingBroker behind Aztec's own JSON-RPC server: the checks describe
/// Aztec 4.1.2's behaviour, which Verity's endpoint must match. Aztec's broker does not count timeouts as attempts.
/// </summary>
[Collection(HarnessCollection.Name)]
public sealed class AztecBrokerTests(AztecBrokerFixture fixture) : IClassFixture<AztecBrokerFixture>
{
    [Theory]
    [MemberData(nameof(HarnessScenarios.All), MemberType = typeof(HarnessScenarios))]
    public Task Scenario_holds_against_Aztecs_own_broker(string scenario) =>
        HarnessRun.RunAsync(fixture.Broker.Url, scenario);
}
