using System.Numerics;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Signer;
using Nethereum.Web3;
using Verity.Chain.Transactions;

namespace Verity.Chain.Contracts;

/// <summary>
/// VerityMarket, typed: views through eth_call, writes through an <see cref="ITransactionSender"/> (whose key is the
/// caller on chain), and the request events of one request id through eth_getLogs. A revert surfaces as
/// <see cref="TransactionRevertedException"/> naming the contract's error (<see cref="MarketErrors"/>).
/// </summary>
public sealed class MarketContract(IWeb3 web3, string address, ITransactionSender? sender = null)
{
    public string Address { get; } = address;
    public IWeb3 Web3 { get; } = web3;
    public ITransactionSender? Sender { get; } = sender;

    /// <summary>The same market, writing through another key.</summary>
    public MarketContract With(ITransactionSender other) => new(Web3, Address, other) { CommitMarginSeconds = CommitMarginSeconds };

    // ---- ETH balances ----

    public Task<TransactionReceipt> DepositAsync(BigInteger wei, CancellationToken ct = default) =>
        Send(new DepositFunction(), $"deposit {wei} wei", wei, ct);

    public Task<TransactionReceipt> DepositToAsync(string account, BigInteger wei, CancellationToken ct = default) =>
        Send(new DepositToFunction { Account = account }, $"deposit {wei} wei to {account}", wei, ct);

    public Task<TransactionReceipt> WithdrawAsync(BigInteger wei, CancellationToken ct = default) =>
        Send(new WithdrawFunction { Amount = wei }, $"withdraw {wei} wei", 0, ct);

    public Task<BigInteger> BalanceOfAsync(string account, CancellationToken ct = default) =>
        Query<MarketBalanceOfFunction, BigInteger>(new() { Account = account }, "balanceOf", ct);

    // ---- stake ----

    /// <summary>approve(market, amount) on the stake token, then depositStake(amount): two transactions.</summary>
    public async Task<TransactionReceipt> DepositStakeAsync(BigInteger amount, CancellationToken ct = default)
    {
        var token = await StakeTokenAsync(ct);
        await token.With(RequireSender("deposit stake")).ApproveAsync(Address, amount, ct);
        return await Send(new DepositStakeFunction { Amount = amount }, $"deposit stake {amount}", 0, ct);
    }

    /// <summary>
    /// One transaction: an EIP-2612 permit signed here by <paramref name="owner"/> (the sender's key), then the deposit.
    /// </summary>
    public async Task<TransactionReceipt> DepositStakeWithPermitAsync(BigInteger amount, EthECKey owner, BigInteger deadline,
        CancellationToken ct = default)
    {
        var ownerAddress = owner.GetPublicAddress();
        var s = RequireSender("deposit stake with permit");
        if (!string.Equals(ownerAddress, s.Address, StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException("the permit's owner key must be the sender's key", nameof(owner));
        var token = await StakeTokenAsync(ct);
        var chainId = (await Web3.Eth.ChainId.SendRequestAsync().WaitAsync(ct)).Value;
        var permit = StakePermit.Sign(owner, Address, amount, await token.NoncesAsync(ownerAddress, ct), deadline, chainId, token.Address);
        return await Send(new DepositStakeWithPermitFunction
        {
            Amount = amount, Deadline = deadline, V = permit.V, R = permit.R, S = permit.S,
        }, $"deposit stake {amount} with permit", 0, ct);
    }

    public Task<TransactionReceipt> WithdrawStakeAsync(BigInteger amount, CancellationToken ct = default) =>
        Send(new WithdrawStakeFunction { Amount = amount }, $"withdraw stake {amount}", 0, ct);

    public Task<BigInteger> StakeBalanceOfAsync(string account, CancellationToken ct = default) =>
        Query<StakeBalanceOfFunction, BigInteger>(new() { Account = account }, "stakeBalanceOf", ct);

    // ---- requests ----

    /// <summary>Publishes the request on chain; <paramref name="value"/> is credited to the requestor's balance.</summary>
    public Task<TransactionReceipt> SubmitRequestAsync(ProofRequest request, byte[] clientSignature, BigInteger value = default,
        CancellationToken ct = default) =>
        Send(new SubmitRequestFunction { Request = request, ClientSignature = clientSignature },
            $"submit {RequestId.Format(request.Id)}", value, ct);

    public Task<TransactionReceipt> LockRequestAsync(ProofRequest request, byte[] clientSignature, CancellationToken ct = default) =>
        Send(new LockRequestFunction { Request = request, ClientSignature = clientSignature }, $"lock {RequestId.Format(request.Id)}", 0, ct);

    /// <summary>
    /// Seconds of chain time before a lock deadline within which <see cref="FulfillAsync"/> commits also for an in-time
    /// fill: it may be mined past the deadline (a later block than the latest), where it takes the open path and, without
    /// a commitment, reverts with its seal public. A commitment costs an in-time fill nothing.
    /// </summary>
    public ulong CommitMarginSeconds { get; init; } = DefaultCommitMarginSeconds;

    public const ulong DefaultCommitMarginSeconds = 120;

    /// <summary>
    /// Fulfils the batch and returns the fill's receipt. Refuses (<see cref="FillPaysLockerException"/>, nothing sent)
    /// an in-time fill of a request locked by someone else, which pays that locker, unless <paramref name="payLocker"/>.
    /// When any fill takes an open path (it pays its sender: <see cref="FulfillmentCommitment.IsOpenPath"/>) or is a lock
    /// within <see cref="CommitMarginSeconds"/> of its deadline, first commits to exactly these fills from this sender,
    /// waits for the commit's receipt, checks that no lock got in ahead of the commit and that this sender is the first
    /// committer of every open-path id, and only then publishes the seals in the fill (mined in a later block than the
    /// commit: the next one on a real chain, a new one under anvil's automine).
    /// </summary>
    /// <exception cref="FillPreemptedException">a request was locked by someone else before the commit was mined:
    /// nothing was published, and a fill now would pay that locker.</exception>
    /// <exception cref="FillPaysLockerException">an in-time fill would pay someone else's lock; nothing was published.</exception>
    /// <exception cref="FillCommittedByOtherException">another address holds an open-path id (firstCommit); nothing was
    /// published.</exception>
    public async Task<TransactionReceipt> FulfillAsync(IReadOnlyList<Fulfillment> fills, CancellationToken ct = default,
        bool payLocker = false)
    {
        ArgumentNullException.ThrowIfNull(fills);
        var sender = RequireSender("fulfil");
        var ids = fills.Select(f => f.Request.Id).Distinct().ToList();
        var latest = await LatestBlockAsync(ct);
        // The fill is mined after the latest block, so at a later timestamp: decide at the earliest it can be.
        var now = (ulong)latest.Timestamp.Value + 1;
        var commit = new List<BigInteger>();
        var neverLocked = new List<BigInteger>();
        foreach (var id in ids)
        {
            var state = await RequestLockAsync(id, ct);
            var flags = state.FlagSet;
            var nearDeadline = flags.HasFlag(RequestLockFlags.Locked) && !flags.HasFlag(RequestLockFlags.Fulfilled)
                && state.LockDeadline < now - 1 + CommitMarginSeconds;
            // Someone else's lock near its deadline may have passed it by the time the fill is mined (then the fill pays
            // this sender): commit, and decide again after the commit is mined.
            if (!payLocker && !nearDeadline) RefuseIfPaysLocker(id, state, sender.Address, now);
            if (!flags.HasFlag(RequestLockFlags.Locked)) neverLocked.Add(id);
            if (nearDeadline || FulfillmentCommitment.IsOpenPath(state, now)) commit.Add(id);
        }
        if (commit.Count == 0)
        {
            try
            {
                return await SendFulfillAsync(fills, ct);
            }
            catch (TransactionRevertedException e) when (e.TransactionHash is null
                && MarketErrors.Name(e.RevertData) == "MissingFulfillmentCommitment")
            {
                // Refused before sending (nothing published): the node estimates at a later time than the latest block's,
                // past a lock deadline, so the fill pays its sender. Commit for every fill that can still be open.
                commit = await OpenPathIdsAsync(fills, ulong.MaxValue, ct);
                if (commit.Count == 0) throw;
            }
        }
        await CommitFulfillmentAsync(commit, FulfillmentCommitment.Compute(sender.Address, fills), ct);

        // Checked again right before the seal is public: a lock mined before the commit (in its block, or since the reads
        // above) turns the fill into an in-time locked fill that pays the locker; after the commit lockRequest refuses
        // these ids. And an open-path fill pays only the id's first live committer: a copier's fill is refused, ours too.
        latest = await LatestBlockAsync(ct);
        now = (ulong)latest.Timestamp.Value + 1;
        var nextBlock = (ulong)latest.Number.Value + 1;
        foreach (var id in ids)
        {
            var state = await RequestLockAsync(id, ct);
            if (neverLocked.Contains(id) && state.FlagSet.HasFlag(RequestLockFlags.Locked)
                && !string.Equals(state.Prover, sender.Address, StringComparison.OrdinalIgnoreCase))
                throw new FillPreemptedException(id, state.Prover, state.FlagSet);
            if (!payLocker) RefuseIfPaysLocker(id, state, sender.Address, now);
            if (!FulfillmentCommitment.IsOpenPath(state, now)) continue;
            var (committer, committedAt) = await FirstCommitAsync(id, ct);
            var until = committedAt + (ulong)await CommitWindowAsync(ct);
            if (!string.Equals(committer, sender.Address, StringComparison.OrdinalIgnoreCase) || until < nextBlock)
                throw new FillCommittedByOtherException(id, committer, until);
        }
        return await SendFulfillAsync(fills, ct);
    }

    /// <summary>An in-time fill of a lock held by another address pays that address: refuse it.</summary>
    private static void RefuseIfPaysLocker(BigInteger id, RequestLock state, string sender, ulong now)
    {
        var flags = state.FlagSet;
        if (flags.HasFlag(RequestLockFlags.Locked) && !flags.HasFlag(RequestLockFlags.Fulfilled) && now <= state.LockDeadline
            && !string.Equals(state.Prover, sender, StringComparison.OrdinalIgnoreCase))
            throw new FillPaysLockerException(id, state.Prover, state.LockDeadline);
    }

    private Task<BlockWithTransactionHashes> LatestBlockAsync(CancellationToken ct) =>
        Web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(BlockParameter.CreateLatest()).WaitAsync(ct);

    /// <summary>
    /// One fulfill transaction as given, without a commitment: for in-time fills of locked requests, or after
    /// <see cref="CommitFulfillmentAsync"/> was mined in an earlier block. An open-path fill without one reverts
    /// MissingFulfillmentCommitment.
    /// </summary>
    public Task<TransactionReceipt> SendFulfillAsync(IReadOnlyList<Fulfillment> fills, CancellationToken ct = default) =>
        Send(new FulfillFunction { Fills = [.. fills] }, fills.Count == 1
            ? $"fulfil {RequestId.Format(fills[0].Request.Id)}" : $"fulfil {fills.Count} requests", 0, ct);

    /// <summary>
    /// commitFulfillment(ids, commitment): <paramref name="commitment"/> is <see cref="FulfillmentCommitment.Compute"/> of
    /// this sender and the exact fills it will send; <paramref name="ids"/> are refused to lockRequest for COMMIT_WINDOW blocks.
    /// </summary>
    public Task<TransactionReceipt> CommitFulfillmentAsync(IReadOnlyList<BigInteger> ids, byte[] commitment, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (commitment is not { Length: 32 })
            throw new ArgumentException($"a fulfilment commitment is 32 bytes, not {commitment?.Length ?? 0}", nameof(commitment));
        return Send(new CommitFulfillmentFunction { Ids = [.. ids], Commitment = commitment }, ids.Count == 1
            ? $"commit fulfilment of {RequestId.Format(ids[0])}" : $"commit fulfilment of {ids.Count} requests", 0, ct);
    }

    /// <summary>The ids of the fills that would pay their sender if mined after the latest block, each once.</summary>
    public async Task<List<BigInteger>> OpenPathIdsAsync(IReadOnlyList<Fulfillment> fills, CancellationToken ct = default)
    {
        var latest = await LatestBlockAsync(ct);
        // The fill is mined after the latest block, so at a later timestamp: decide at the earliest it can be.
        return await OpenPathIdsAsync(fills, (ulong)latest.Timestamp.Value + 1, ct);
    }

    private async Task<List<BigInteger>> OpenPathIdsAsync(IReadOnlyList<Fulfillment> fills, ulong now, CancellationToken ct)
    {
        var open = new List<BigInteger>();
        foreach (var id in fills.Select(f => f.Request.Id).Distinct())
            if (FulfillmentCommitment.IsOpenPath(await RequestLockAsync(id, ct), now)) open.Add(id);
        return open;
    }

    public Task<TransactionReceipt> SlashAsync(BigInteger requestId, CancellationToken ct = default) =>
        Send(new SlashFunction { RequestId = requestId }, $"slash {RequestId.Format(requestId)}", 0, ct);

    public Task<TransactionReceipt> RefundAsync(BigInteger requestId, CancellationToken ct = default) =>
        Send(new RefundFunction { RequestId = requestId }, $"refund {RequestId.Format(requestId)}", 0, ct);

    // ---- views ----

    public async Task<RequestStatus> RequestStatusAsync(BigInteger requestId, CancellationToken ct = default) =>
        (RequestStatus)await Query<RequestStatusFunction, byte>(new() { RequestId = requestId }, "requestStatus", ct);

    /// <summary>The block the commitment was made in; 0 when none or used.</summary>
    public Task<BigInteger> CommitmentBlockAsync(byte[] commitment, CancellationToken ct = default) =>
        Query<CommitmentBlockFunction, BigInteger>(new() { Commitment = commitment }, "commitmentBlock", ct);

    /// <summary>The last block in which lockRequest refuses the id (RequestIsCommitted); 0 when never committed.</summary>
    public Task<BigInteger> LockBlockedUntilAsync(BigInteger requestId, CancellationToken ct = default) =>
        Query<LockBlockedUntilFunction, BigInteger>(new() { RequestId = requestId }, "lockBlockedUntil", ct);

    /// <summary>
    /// firstCommit(id): the id's first committer, the only sender of an open-path fill of it up to block
    /// <c>BlockNumber + COMMIT_WINDOW</c>, and the block of its latest commitment; (0x0…, 0) when never committed.
    /// </summary>
    public async Task<(string Committer, ulong BlockNumber)> FirstCommitAsync(BigInteger requestId, CancellationToken ct = default)
    {
        var output = await ContractCaller.QueryDtoAsync<FirstCommitFunction, FirstCommitOutput>(Web3, Address,
            new FirstCommitFunction { RequestId = requestId }, "firstCommit", ct);
        return (output.Committer, output.BlockNumber);
    }

    public Task<BigInteger> CommitWindowAsync(CancellationToken ct = default) =>
        Query<CommitWindowFunction, BigInteger>(new(), "COMMIT_WINDOW", ct);

    public async Task<RequestLock> RequestLockAsync(BigInteger requestId, CancellationToken ct = default) =>
        (await ContractCaller.QueryDtoAsync<RequestLockFunction, RequestLockOutput>(Web3, Address,
            new RequestLockFunction { RequestId = requestId }, "requestLock", ct)).Lock;

    public Task<BigInteger> PriceAtAsync(Offer offer, ulong timestamp, CancellationToken ct = default) =>
        Query<PriceAtFunction, BigInteger>(new() { Offer = offer, Timestamp = timestamp }, "priceAt", ct);

    public Task<byte[]> HashRequestAsync(ProofRequest request, CancellationToken ct = default) =>
        Query<HashRequestFunction, byte[]>(new() { Request = request }, "hashRequest", ct);

    public Task<byte[]> DomainSeparatorAsync(CancellationToken ct = default) =>
        Query<Eip712DomainSeparatorFunction, byte[]>(new(), "eip712DomainSeparator", ct);

    public Task<string> StakeTokenAddressAsync(CancellationToken ct = default) =>
        Query<StakeTokenAddressFunction, string>(new(), "STAKE_TOKEN", ct);

    public Task<string> RouterAddressAsync(CancellationToken ct = default) =>
        Query<RouterAddressFunction, string>(new(), "ROUTER", ct);

    public async Task<StakeTokenContract> StakeTokenAsync(CancellationToken ct = default) =>
        new(Web3, await StakeTokenAddressAsync(ct), Sender);

    /// <summary>The digest and signer for requests to this market on this chain.</summary>
    public async Task<RequestDigest> RequestDigestAsync(CancellationToken ct = default) =>
        new((await Web3.Eth.ChainId.SendRequestAsync().WaitAsync(ct)).Value, Address);

    // ---- events of one request ----

    public Task<List<EventLog<RequestSubmittedEvent>>> SubmittedLogsAsync(BigInteger requestId, BlockParameter? from = null, CancellationToken ct = default) =>
        Logs<RequestSubmittedEvent>(requestId, from, ct);

    public Task<List<EventLog<RequestLockedEvent>>> LockedLogsAsync(BigInteger requestId, BlockParameter? from = null, CancellationToken ct = default) =>
        Logs<RequestLockedEvent>(requestId, from, ct);

    public Task<List<EventLog<RequestFulfilledEvent>>> FulfilledLogsAsync(BigInteger requestId, BlockParameter? from = null, CancellationToken ct = default) =>
        Logs<RequestFulfilledEvent>(requestId, from, ct);

    public Task<List<EventLog<FulfillmentCommittedEvent>>> CommittedLogsAsync(BigInteger requestId, BlockParameter? from = null, CancellationToken ct = default) =>
        Logs<FulfillmentCommittedEvent>(requestId, from, ct);

    public Task<List<EventLog<ProverSlashedEvent>>> SlashedLogsAsync(BigInteger requestId, BlockParameter? from = null, CancellationToken ct = default) =>
        Logs<ProverSlashedEvent>(requestId, from, ct);

    public Task<List<EventLog<RequestRefundedEvent>>> RefundedLogsAsync(BigInteger requestId, BlockParameter? from = null, CancellationToken ct = default) =>
        Logs<RequestRefundedEvent>(requestId, from, ct);

    private async Task<List<EventLog<T>>> Logs<T>(BigInteger requestId, BlockParameter? from, CancellationToken ct) where T : IEventDTO, new()
    {
        var ev = Web3.Eth.GetEvent<T>(Address);
        var filter = ev.CreateFilterInput(requestId, from ?? BlockParameter.CreateEarliest(), BlockParameter.CreateLatest());
        return await ev.GetAllChangesAsync(filter).WaitAsync(ct);
    }

    private Task<TOut> Query<T, TOut>(T message, string label, CancellationToken ct) where T : FunctionMessage, new() =>
        ContractCaller.QueryAsync<T, TOut>(Web3, Address, message, label, ct);

    private Task<TransactionReceipt> Send<T>(T message, string label, BigInteger value, CancellationToken ct) where T : FunctionMessage, new() =>
        ContractCaller.SendAsync(Sender, Address, message, label, value, ct);

    private ITransactionSender RequireSender(string label) =>
        Sender ?? throw new InvalidOperationException($"{label}: this contract facade has no transaction sender");
}
