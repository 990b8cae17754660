// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {VerityVerifierRouter} from "./VerityVerifierRouter.sol";
import {
    Fulfillment,
    Input,
    Offer,
    PredicateType,
    ProofRequest,
    Requirements,
    RequestLock,
    RequestStatus
} from "./MarketTypes.sol";

/// @notice Verity's proof market (docs/MARKET.md §2): requestors fund requests in ETH, provers lock them with stake as
/// collateral at a reverse-Dutch-auction price, and are paid on fulfilment; an expired lock is slashed.
/// Every external function that moves value is nonReentrant and changes its state before any transfer.
contract VerityMarket is ReentrancyGuardTransient, EIP712 {
    using SafeERC20 for IERC20;

    uint256 public constant SLASH_BURN_BPS = 5000;
    uint256 public constant MAX_BATCH = 64;
    /// @notice Blocks within which a commitment must be used, and for which it blocks locking its requests.
    uint256 public constant COMMIT_WINDOW = 64;

    uint8 internal constant LOCKED = 1;
    uint8 internal constant FULFILLED = 2;
    uint8 internal constant SLASHED = 4;
    uint8 internal constant REFUNDED = 8;

    bytes32 internal constant INPUT_TYPEHASH = keccak256("Input(uint8 inputType,bytes data)");
    bytes32 internal constant OFFER_TYPEHASH = keccak256(
        "Offer(uint256 minPrice,uint256 maxPrice,uint64 biddingStart,uint32 rampUpPeriod,uint32 lockTimeout,uint32 timeout,uint256 lockCollateral)"
    );
    bytes32 internal constant PREDICATE_TYPEHASH = keccak256("Predicate(uint8 predicateType,bytes data)");
    bytes32 internal constant REQUIREMENTS_TYPEHASH = keccak256(
        "Requirements(bytes32 imageId,Predicate predicate,bytes4 selector)Predicate(uint8 predicateType,bytes data)"
    );
    bytes32 internal constant PROOF_REQUEST_TYPEHASH = keccak256(
        "ProofRequest(uint256 id,Requirements requirements,string imageUrl,Input input,Offer offer)"
        "Input(uint8 inputType,bytes data)"
        "Offer(uint256 minPrice,uint256 maxPrice,uint64 biddingStart,uint32 rampUpPeriod,uint32 lockTimeout,uint32 timeout,uint256 lockCollateral)"
        "Predicate(uint8 predicateType,bytes data)"
        "Requirements(bytes32 imageId,Predicate predicate,bytes4 selector)"
    );

    /// @dev RequestLock packed into three slots: (prover, price), (lockDeadline, deadline, collateral, flags), digest.
    struct StoredLock {
        address prover;
        uint96 price;
        uint64 lockDeadline;
        uint64 deadline;
        uint96 collateral;
        uint8 flags;
        bytes32 requestDigest;
    }

    IERC20 public immutable STAKE_TOKEN;
    VerityVerifierRouter public immutable ROUTER;

    mapping(address => uint256) public balanceOf;
    mapping(address => uint256) public stakeBalanceOf;
    mapping(uint256 => StoredLock) internal _locks;
    /// @dev keccak256(abi.encode(prover, fills)) => the block it was committed in (docs/MARKET.md, commit-reveal).
    mapping(bytes32 => uint256) internal _commitments;
    /// @dev request id => the last block in which lockRequest refuses it, because a fill for it is committed.
    mapping(uint256 => uint256) internal _lockBlockedUntil;
    /// @dev request id => its first live committer and the block of its (latest) commitment: only that committer may
    /// send an open-path fill of the id while block <= committedAt + COMMIT_WINDOW (docs/MARKET.md, commit-reveal).
    mapping(uint256 => FirstCommit) internal _firstCommit;

    struct FirstCommit {
        address committer;
        uint64 blockNumber;
    }

    event Deposit(address indexed account, uint256 amount);
    event Withdrawal(address indexed account, uint256 amount);
    event StakeDeposit(address indexed account, uint256 amount);
    event StakeWithdrawal(address indexed account, uint256 amount);
    event RequestSubmitted(uint256 indexed requestId, ProofRequest request, bytes clientSignature);
    event RequestLocked(
        uint256 indexed requestId,
        address indexed prover,
        uint256 price,
        bytes32 requestDigest,
        ProofRequest request,
        bytes clientSignature
    );
    event RequestFulfilled(
        uint256 indexed requestId,
        address indexed prover,
        bytes32 requestDigest,
        uint256 payment,
        uint256 bounty,
        bytes journal,
        bytes seal
    );
    event FulfillmentCommitted(uint256 indexed requestId, address indexed prover, bytes32 commitment);
    event ProverSlashed(uint256 indexed requestId, address indexed prover, uint256 burned, uint256 bounty);
    event RequestRefunded(uint256 indexed requestId, address indexed requestor, uint256 price, uint256 bounty);

    error ZeroAmount();
    error InsufficientBalance(address account, uint256 have, uint256 want);
    error InsufficientStake(address account, uint256 have, uint256 want);
    error TransferFailed(address to, uint256 amount);
    error InvalidRequest(uint256 requestId);
    error InvalidSignature(uint256 requestId);
    error RequestIsLocked(uint256 requestId);
    error RequestIsNotLocked(uint256 requestId);
    error RequestIsFulfilled(uint256 requestId);
    error RequestIsSlashed(uint256 requestId);
    error RequestIsRefunded(uint256 requestId);
    error RequestIsExpired(uint256 requestId, uint64 deadline);
    error RequestIsNotExpired(uint256 requestId, uint64 deadline);
    error RequestLockIsExpired(uint256 requestId, uint64 lockDeadline);
    error RequestLockIsNotExpired(uint256 requestId, uint64 lockDeadline);
    error RequestDigestMismatch(uint256 requestId, bytes32 lockedDigest, bytes32 givenDigest);
    error BatchTooLarge(uint256 size, uint256 limit);
    error SelectorMismatch(uint256 requestId, bytes4 required, bytes4 given);
    error PredicateFailed(uint256 requestId);
    error MissingFulfillmentCommitment(uint256 requestId);
    error RequestIsCommitted(uint256 requestId, uint64 untilBlock);
    error RequestCommittedByOther(uint256 requestId, address committer, uint64 untilBlock);

    constructor(IERC20 stakeToken, VerityVerifierRouter router) EIP712("VerityMarket", "1") {
        STAKE_TOKEN = stakeToken;
        ROUTER = router;
    }

    // ---- ETH balances ----

    function deposit() external payable {
        _deposit(msg.sender);
    }

    function depositTo(address account) external payable {
        _deposit(account);
    }

    function withdraw(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        uint256 have = balanceOf[msg.sender];
        if (have < amount) revert InsufficientBalance(msg.sender, have, amount);
        balanceOf[msg.sender] = have - amount;
        emit Withdrawal(msg.sender, amount);
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert TransferFailed(msg.sender, amount);
    }

    // ---- stake ----

    function depositStake(uint256 amount) external nonReentrant {
        _depositStake(amount);
    }

    /// @notice EIP-2612 permit for this market, then depositStake: one transaction instead of approve + deposit.
    function depositStakeWithPermit(uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
        nonReentrant
    {
        IERC20Permit(address(STAKE_TOKEN)).permit(msg.sender, address(this), amount, deadline, v, r, s);
        _depositStake(amount);
    }

    function withdrawStake(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        uint256 have = stakeBalanceOf[msg.sender];
        if (have < amount) revert InsufficientStake(msg.sender, have, amount);
        stakeBalanceOf[msg.sender] = have - amount;
        emit StakeWithdrawal(msg.sender, amount);
        STAKE_TOKEN.safeTransfer(msg.sender, amount);
    }

    // ---- requests ----

    /// @notice Publishes a request on chain (the order stream is the off-chain way) and credits msg.value to its
    /// requestor. The signature is carried for provers, not checked.
    function submitRequest(ProofRequest calldata request, bytes calldata clientSignature) external payable nonReentrant {
        _checkValid(request);
        uint64 deadline = request.offer.biddingStart + request.offer.timeout;
        if (block.timestamp > deadline) revert RequestIsExpired(request.id, deadline);
        if (msg.value > 0) {
            address requestor = _requestor(request.id);
            balanceOf[requestor] += msg.value;
            emit Deposit(requestor, msg.value);
        }
        emit RequestSubmitted(request.id, request, clientSignature);
    }

    /// @notice Locks the request for the caller at priceAt(now): the price moves from the requestor's balance into
    /// the lock and lockCollateral from the caller's stake.
    function lockRequest(ProofRequest calldata request, bytes calldata clientSignature) external nonReentrant {
        (bytes32 digest, uint256 price) = _lock(request, clientSignature);
        // Emitted here, apart from _lock, so the ABI encoding of the whole request has the stack to itself.
        emit RequestLocked(request.id, msg.sender, price, digest, request, clientSignature);
    }

    /// @notice Commits the caller to fulfilling `ids` with the fills whose hash is `commitment`
    /// (keccak256(abi.encode(prover, fills)), prover = the address that will send the fill). A fill that pays its sender
    /// (open path: never locked, or the lock deadline passed) needs one from an earlier block, so a copy of the fill sent
    /// by anyone else finds none; and lockRequest refuses the ids for COMMIT_WINDOW blocks, so nobody can lock ahead of
    /// the fill and be paid by it. Anyone may commit to any hash: that only blocks locks (an accepted griefing).
    function commitFulfillment(uint256[] calldata ids, bytes32 commitment) external {
        if (ids.length > MAX_BATCH) revert BatchTooLarge(ids.length, MAX_BATCH);
        // A live commitment is not moved to this block: otherwise anyone who sees the pending fill (and so can compute
        // its hash) could re-commit it in the fill's block, make the fill revert, and race the published seal.
        uint256 committedAt = _commitments[commitment];
        if (committedAt == 0 || block.number - committedAt > COMMIT_WINDOW) _commitments[commitment] = block.number;
        uint256 until = block.number + COMMIT_WINDOW;
        for (uint256 i = 0; i < ids.length; ++i) {
            uint256 id = ids[i];
            _lockBlockedUntil[id] = until;
            // The first live committer keeps the id: a copier who sees a pending fill and commits to it in the next
            // block gets no priority, so a fill that misses a block is still the honest prover's. The holder's own
            // later commits renew its hold (its new commitment lives COMMIT_WINDOW blocks).
            FirstCommit storage first = _firstCommit[id];
            address holder = first.committer;
            if (holder == msg.sender || holder == address(0) || first.blockNumber + COMMIT_WINDOW < block.number) {
                _firstCommit[id] = FirstCommit({committer: msg.sender, blockNumber: uint64(block.number)});
            }
            emit FulfillmentCommitted(id, msg.sender, commitment);
        }
    }

    /// @notice Fulfils up to MAX_BATCH requests; all or nothing. See docs/MARKET.md §2 for who is paid.
    function fulfill(Fulfillment[] calldata fills) external nonReentrant {
        if (fills.length > MAX_BATCH) revert BatchTooLarge(fills.length, MAX_BATCH);
        _useCommitment(fills);
        uint256 burn;
        for (uint256 i = 0; i < fills.length; ++i) {
            burn += _fulfillOne(fills[i]);
        }
        if (burn > 0) ERC20Burnable(address(STAKE_TOKEN)).burn(burn);
    }

    /// @notice After the lock deadline of an unfulfilled lock: burns SLASH_BURN_BPS of the collateral and keeps the
    /// rest as the bounty for whoever fulfils before the deadline (or for the requestor on refund).
    function slash(uint256 id) external nonReentrant {
        StoredLock storage lock = _locks[id];
        uint8 flags = lock.flags;
        if (flags & LOCKED == 0) revert RequestIsNotLocked(id);
        if (flags & FULFILLED != 0) revert RequestIsFulfilled(id);
        if (flags & SLASHED != 0) revert RequestIsSlashed(id);
        if (block.timestamp <= lock.lockDeadline) revert RequestLockIsNotExpired(id, lock.lockDeadline);
        uint256 burned = _slash(id, lock);
        ERC20Burnable(address(STAKE_TOKEN)).burn(burned);
    }

    /// @notice After the deadline of an unfulfilled lock: slashes if nobody did, returns the locked price to the
    /// requestor's balance and the unclaimed bounty to the requestor's stake balance.
    function refund(uint256 id) external nonReentrant {
        StoredLock storage lock = _locks[id];
        uint8 flags = lock.flags;
        if (flags & LOCKED == 0) revert RequestIsNotLocked(id);
        if (flags & FULFILLED != 0) revert RequestIsFulfilled(id);
        if (flags & REFUNDED != 0) revert RequestIsRefunded(id);
        if (block.timestamp <= lock.deadline) revert RequestIsNotExpired(id, lock.deadline);
        uint256 burned = flags & SLASHED == 0 ? _slash(id, lock) : 0;
        address requestor = _requestor(id);
        uint256 price = lock.price;
        uint256 bounty = lock.collateral;
        lock.flags |= REFUNDED;
        balanceOf[requestor] += price;
        stakeBalanceOf[requestor] += bounty;
        emit RequestRefunded(id, requestor, price, bounty);
        if (burned > 0) ERC20Burnable(address(STAKE_TOKEN)).burn(burned);
    }

    // ---- views ----

    function requestStatus(uint256 id) external view returns (RequestStatus) {
        uint8 flags = _locks[id].flags;
        if (flags & FULFILLED != 0) return RequestStatus.Fulfilled;
        if (flags & REFUNDED != 0) return RequestStatus.Refunded;
        if (flags & SLASHED != 0) return RequestStatus.Slashed;
        if (flags & LOCKED != 0) return RequestStatus.Locked;
        return RequestStatus.Unknown;
    }

    /// @notice The block a commitment was made in; 0 when none (or it was used).
    function commitmentBlock(bytes32 commitment) external view returns (uint256) {
        return _commitments[commitment];
    }

    /// @notice The id's first live committer (the only sender of an open-path fill of it) and the block of its latest
    /// commitment; it holds the id up to block + COMMIT_WINDOW. (0, 0) when never committed; may name an expired holder.
    function firstCommit(uint256 id) external view returns (address, uint64) {
        FirstCommit storage first = _firstCommit[id];
        return (first.committer, first.blockNumber);
    }

    /// @notice The last block in which lockRequest refuses the id because a fill for it is committed; 0 when never.
    function lockBlockedUntil(uint256 id) external view returns (uint256) {
        return _lockBlockedUntil[id];
    }

    function requestLock(uint256 id) external view returns (RequestLock memory) {
        StoredLock storage lock = _locks[id];
        return RequestLock({
            prover: lock.prover,
            lockDeadline: lock.lockDeadline,
            deadline: lock.deadline,
            price: lock.price,
            collateral: lock.collateral,
            requestDigest: lock.requestDigest,
            flags: lock.flags
        });
    }

    function priceAt(Offer calldata offer, uint64 timestamp) external pure returns (uint256) {
        return _priceAt(offer, timestamp);
    }

    function hashRequest(ProofRequest calldata request) external view returns (bytes32) {
        return _hashRequest(request);
    }

    function eip712DomainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ---- internals ----

    function _deposit(address account) internal {
        if (msg.value == 0) revert ZeroAmount();
        balanceOf[account] += msg.value;
        emit Deposit(account, msg.value);
    }

    function _depositStake(uint256 amount) internal {
        if (amount == 0) revert ZeroAmount();
        stakeBalanceOf[msg.sender] += amount;
        emit StakeDeposit(msg.sender, amount);
        STAKE_TOKEN.safeTransferFrom(msg.sender, address(this), amount);
    }

    function _lock(ProofRequest calldata request, bytes calldata clientSignature)
        internal
        returns (bytes32 digest, uint256 price)
    {
        uint256 id = request.id;
        _checkValid(request);
        digest = _hashRequest(request);
        address requestor = _requestor(id);
        _checkSignature(id, requestor, digest, clientSignature);

        uint8 flags = _locks[id].flags;
        if (flags & FULFILLED != 0) revert RequestIsFulfilled(id);
        if (flags != 0) revert RequestIsLocked(id);
        uint256 blockedUntil = _lockBlockedUntil[id];
        if (blockedUntil >= block.number) revert RequestIsCommitted(id, uint64(blockedUntil));
        Offer calldata offer = request.offer;
        uint64 lockDeadline = offer.biddingStart + offer.lockTimeout;
        if (block.timestamp > lockDeadline) revert RequestLockIsExpired(id, lockDeadline);

        price = _priceAt(offer, block.timestamp);
        uint256 funds = balanceOf[requestor];
        if (funds < price) revert InsufficientBalance(requestor, funds, price);
        uint256 collateral = offer.lockCollateral;
        uint256 stake = stakeBalanceOf[msg.sender];
        if (stake < collateral) revert InsufficientStake(msg.sender, stake, collateral);

        balanceOf[requestor] = funds - price;
        stakeBalanceOf[msg.sender] = stake - collateral;
        // Both below 2^96: price <= maxPrice and lockCollateral are bounded by _checkValid.
        _locks[id] = StoredLock({
            prover: msg.sender,
            price: uint96(price),
            lockDeadline: lockDeadline,
            deadline: offer.biddingStart + offer.timeout,
            collateral: uint96(collateral),
            flags: LOCKED,
            requestDigest: digest
        });
    }

    /// @dev When any fill takes an open path (it pays its sender), the sender must have committed to exactly these fills
    /// in an earlier block, at most COMMIT_WINDOW blocks ago (the commitment is used up), and be the live first committer
    /// of every open-path id. In-time fills of locked requests pay the locker whoever sends them and need neither.
    /// Fulfilled requests are left to _fulfillOne's RequestIsFulfilled.
    function _useCommitment(Fulfillment[] calldata fills) internal {
        bool used;
        for (uint256 i = 0; i < fills.length; ++i) {
            uint256 id = fills[i].request.id;
            StoredLock storage lock = _locks[id];
            uint8 flags = lock.flags;
            if (flags & FULFILLED != 0) continue;
            if (flags & LOCKED != 0 && block.timestamp <= lock.lockDeadline) continue;
            if (!used) {
                bytes32 commitment = keccak256(abi.encode(msg.sender, fills));
                uint256 committedAt = _commitments[commitment];
                if (committedAt == 0 || committedAt >= block.number || block.number - committedAt > COMMIT_WINDOW) {
                    revert MissingFulfillmentCommitment(id);
                }
                delete _commitments[commitment];
                used = true;
            }
            FirstCommit storage first = _firstCommit[id];
            uint256 until = uint256(first.blockNumber) + COMMIT_WINDOW;
            if (first.committer != msg.sender || until < block.number) {
                revert RequestCommittedByOther(id, first.committer, uint64(until));
            }
        }
    }

    /// @dev Returns the stake to burn; the caller burns it after all state changes.
    function _fulfillOne(Fulfillment calldata fill) internal returns (uint256 burn) {
        bytes32 digest = _verifyFill(fill);
        uint256 id = fill.request.id;
        uint8 flags = _locks[id].flags;
        if (flags & FULFILLED != 0) revert RequestIsFulfilled(id);
        address prover;
        uint256 payment;
        uint256 bounty;
        if (flags & LOCKED != 0) (prover, payment, bounty, burn) = _payLocked(id, digest);
        else (prover, payment) = _payUnlocked(fill, digest);
        emit RequestFulfilled(id, prover, digest, payment, bounty, fill.journal, fill.seal);
    }

    /// @dev Checks selector, predicate and seal; returns the request's digest.
    function _verifyFill(Fulfillment calldata fill) internal view returns (bytes32) {
        Requirements calldata req = fill.request.requirements;
        bytes calldata seal = fill.seal;
        if (seal.length >= 4 && bytes4(seal[:4]) != req.selector) {
            revert SelectorMismatch(fill.request.id, req.selector, bytes4(seal[:4]));
        }
        bytes32 journalDigest = sha256(fill.journal);
        if (!_predicateHolds(req, fill.journal, journalDigest)) revert PredicateFailed(fill.request.id);
        ROUTER.verify(seal, req.imageId, journalDigest);
        return _hashRequest(fill.request);
    }

    function _payLocked(uint256 id, bytes32 digest)
        internal
        returns (address prover, uint256 payment, uint256 bounty, uint256 burn)
    {
        StoredLock storage lock = _locks[id];
        if (digest != lock.requestDigest) revert RequestDigestMismatch(id, lock.requestDigest, digest);
        if (block.timestamp > lock.deadline) revert RequestIsExpired(id, lock.deadline);
        if (block.timestamp <= lock.lockDeadline) {
            // The locker delivered in time: paid the lock price, collateral back, whoever sent the fill.
            prover = lock.prover;
            payment = lock.price;
            lock.flags |= FULFILLED;
            balanceOf[prover] += payment;
            stakeBalanceOf[prover] += lock.collateral;
        } else {
            // Secondary fill: the sender takes the bounty, the requestor gets the locked price back.
            if (lock.flags & SLASHED == 0) burn = _slash(id, lock);
            prover = msg.sender;
            bounty = lock.collateral;
            lock.flags |= FULFILLED;
            balanceOf[_requestor(id)] += lock.price;
            stakeBalanceOf[prover] += bounty;
        }
    }

    function _payUnlocked(Fulfillment calldata fill, bytes32 digest) internal returns (address, uint256 payment) {
        ProofRequest calldata request = fill.request;
        uint256 id = request.id;
        _checkValid(request);
        uint64 deadline = request.offer.biddingStart + request.offer.timeout;
        if (block.timestamp > deadline) revert RequestIsExpired(id, deadline);
        address requestor = _requestor(id);
        _checkSignature(id, requestor, digest, fill.clientSignature);
        payment = _priceAt(request.offer, block.timestamp);
        uint256 funds = balanceOf[requestor];
        if (funds < payment) revert InsufficientBalance(requestor, funds, payment);
        _locks[id].flags = FULFILLED;
        balanceOf[requestor] = funds - payment;
        balanceOf[msg.sender] += payment;
        return (msg.sender, payment);
    }

    /// @dev Marks the lock slashed and keeps the bounty in it; returns the amount to burn (burned by the caller).
    function _slash(uint256 id, StoredLock storage lock) internal returns (uint256 burned) {
        uint256 collateral = lock.collateral;
        burned = collateral * SLASH_BURN_BPS / 10_000;
        uint256 bounty = collateral - burned;
        lock.collateral = uint96(bounty);
        lock.flags |= SLASHED;
        emit ProverSlashed(id, lock.prover, burned, bounty);
    }

    function _predicateHolds(Requirements calldata req, bytes calldata journal, bytes32 journalDigest)
        internal
        pure
        returns (bool)
    {
        bytes calldata data = req.predicate.data;
        if (req.predicate.predicateType == PredicateType.DigestMatch) {
            return data.length == 32 && bytes32(data) == journalDigest;
        }
        return data.length <= journal.length && keccak256(data) == keccak256(journal[:data.length]);
    }

    function _checkValid(ProofRequest calldata request) internal pure {
        Offer calldata o = request.offer;
        // Requestor bits 0 would be the zero address's request; a lock without collateral is a free option.
        if (
            request.id >> 192 != 0 || request.id >> 32 == 0 || o.minPrice > o.maxPrice || o.maxPrice >= 1 << 96
                || o.lockCollateral == 0 || o.lockCollateral >= 1 << 96 || o.rampUpPeriod > o.lockTimeout || o.lockTimeout == 0 || o.lockTimeout > o.timeout
                || uint256(o.biddingStart) + o.timeout > type(uint64).max || request.requirements.selector == bytes4(0)
        ) revert InvalidRequest(request.id);
    }

    function _checkSignature(uint256 id, address requestor, bytes32 digest, bytes calldata signature) internal pure {
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(digest, signature);
        if (err != ECDSA.RecoverError.NoError || signer != requestor) revert InvalidSignature(id);
    }

    function _requestor(uint256 id) internal pure returns (address) {
        return address(uint160(id >> 32));
    }

    function _priceAt(Offer calldata o, uint256 t) internal pure returns (uint256) {
        uint256 start = o.biddingStart;
        if (t <= start) return o.minPrice;
        if (t > start + o.lockTimeout) return 0;
        if (t < start + o.rampUpPeriod) return o.minPrice + (t - start) * (o.maxPrice - o.minPrice) / o.rampUpPeriod;
        return o.maxPrice;
    }

    function _hashRequest(ProofRequest calldata r) internal view returns (bytes32) {
        Requirements calldata q = r.requirements;
        bytes32 requirementsHash = keccak256(
            abi.encode(
                REQUIREMENTS_TYPEHASH,
                q.imageId,
                keccak256(abi.encode(PREDICATE_TYPEHASH, q.predicate.predicateType, keccak256(q.predicate.data))),
                q.selector
            )
        );
        Input calldata input = r.input;
        bytes32 inputHash = keccak256(abi.encode(INPUT_TYPEHASH, input.inputType, keccak256(input.data)));
        bytes32 offerHash = keccak256(abi.encode(OFFER_TYPEHASH, r.offer));
        return _hashTypedDataV4(
            keccak256(
                abi.encode(PROOF_REQUEST_TYPEHASH, r.id, requirementsHash, keccak256(bytes(r.imageUrl)), inputHash, offerHash)
            )
        );
    }
}
