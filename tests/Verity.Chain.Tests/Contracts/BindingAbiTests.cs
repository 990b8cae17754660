using System.Reflection;
using Nethereum.ABI.ABIDeserialisation;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.ABI.Model;
using Nethereum.Contracts;
using Verity.Chain.Contracts;

namespace Verity.Chain.Tests.Contracts;

/// <summary>
/// The typed bindings (function messages and event DTOs) are written against the compiled ABIs: every binding's
/// selector is a function or event the contracts declare, with the same name, and every function and event of the
/// market and the router has a binding. A contract change that the bindings miss fails here, not on chain.
/// </summary>
public sealed class BindingAbiTests
{
    private static readonly ContractABI[] Abis = ContractArtifacts.Names
        .Select(n => new ABIJsonDeserialiser().DeserialiseContract(ContractArtifacts.Get(n).AbiJson)).ToArray();

    private static readonly Type[] Bindings = typeof(MarketContract).Assembly.GetTypes()
        .Where(t => t is { IsAbstract: false, IsClass: true }).ToArray();

    // Private message classes only borrow the ABI encoder (FulfillmentCommitment's abi.encode preimage): not bindings.
    private static IEnumerable<Type> FunctionBindings() => Bindings
        .Where(t => t.IsSubclassOf(typeof(FunctionMessage)) && t.GetCustomAttribute<FunctionAttribute>() != null && !t.IsNestedPrivate);

    /// <summary>Members OpenZeppelin adds that Verity does not call: EIP-5267's domain view, Ownable's ownership transfer.</summary>
    private static readonly HashSet<string> Unbound = ["eip712Domain", "EIP712DomainChanged", "owner", "renounceOwnership",
        "transferOwnership", "OwnershipTransferred"];

    private static IEnumerable<Type> EventBindings() => Bindings
        .Where(t => typeof(IEventDTO).IsAssignableFrom(t) && t.GetCustomAttribute<EventAttribute>() != null);

    private static string Selector(FunctionABI f) => f.Sha3Signature.ToLowerInvariant().Replace("0x", "");
    private static string Topic(EventABI e) => e.Sha3Signature.ToLowerInvariant().Replace("0x", "");

    private static FunctionABI FunctionOf(Type t) =>
        (FunctionABI)typeof(ABITypedRegistry).GetMethod(nameof(ABITypedRegistry.GetFunctionABI), Type.EmptyTypes)!
            .MakeGenericMethod(t).Invoke(null, null)!;

    private static EventABI EventOf(Type t) =>
        (EventABI)typeof(ABITypedRegistry).GetMethod(nameof(ABITypedRegistry.GetEvent), Type.EmptyTypes)!
            .MakeGenericMethod(t).Invoke(null, null)!;

    [Fact]
    public void Every_function_binding_is_a_function_of_the_compiled_contracts()
    {
        var declared = Abis.SelectMany(a => a.Functions).GroupBy(Selector).ToDictionary(g => g.Key, g => g.First().Name);
        var bindings = FunctionBindings().ToList();
        Assert.NotEmpty(bindings);
        foreach (var t in bindings)
        {
            var f = FunctionOf(t);
            Assert.True(declared.TryGetValue(Selector(f), out var name),
                $"{t.Name} encodes {f.Name} with selector 0x{Selector(f)}, which no compiled contract declares (run contracts/build.sh, fix the parameters)");
            Assert.Equal(name, f.Name);
        }
    }

    [Fact]
    public void Every_event_binding_is_an_event_of_the_compiled_contracts()
    {
        var declared = Abis.SelectMany(a => a.Events).GroupBy(Topic).ToDictionary(g => g.Key, g => g.First().Name);
        var bindings = EventBindings().ToList();
        Assert.NotEmpty(bindings);
        foreach (var t in bindings)
        {
            var e = EventOf(t);
            Assert.True(declared.TryGetValue(Topic(e), out var name),
                $"{t.Name} decodes {e.Name} with topic 0x{Topic(e)}, which no compiled contract declares");
            Assert.Equal(name, e.Name);
        }
    }

    [Theory]
    [InlineData(ContractArtifacts.MarketName)]
    [InlineData(ContractArtifacts.RouterName)]
    public void Every_function_and_event_of_the_contract_has_a_binding(string contract)
    {
        var abi = new ABIJsonDeserialiser().DeserialiseContract(ContractArtifacts.Get(contract).AbiJson);
        var bound = FunctionBindings().Select(t => Selector(FunctionOf(t))).ToHashSet();
        var boundEvents = EventBindings().Select(t => Topic(EventOf(t))).ToHashSet();
        var missing = abi.Functions.Where(f => !bound.Contains(Selector(f)) && !Unbound.Contains(f.Name)).Select(f => f.Name + "()")
            .Concat(abi.Events.Where(e => !boundEvents.Contains(Topic(e)) && !Unbound.Contains(e.Name)).Select(e => "event " + e.Name)).ToList();
        Assert.True(missing.Count == 0, $"{contract}: no binding for {string.Join(", ", missing)}");
    }
}
