// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

// The market's request types (docs/MARKET.md §1). The C# twins are in src/Verity.Chain/Contracts/ProofRequest.cs.

enum PredicateType {
    DigestMatch,
    PrefixMatch
}

enum InputType {
    Inline,
    Url
}

struct Predicate {
    PredicateType predicateType;
    bytes data;
}

struct Requirements {
    bytes32 imageId;
    Predicate predicate;
    bytes4 selector;
}

struct Input {
    InputType inputType;
    bytes data;
}

struct Offer {
    uint256 minPrice;
    uint256 maxPrice;
    uint64 biddingStart;
    uint32 rampUpPeriod;
    uint32 lockTimeout;
    uint32 timeout;
    uint256 lockCollateral;
}

struct ProofRequest {
    uint256 id;
    Requirements requirements;
    string imageUrl;
    Input input;
    Offer offer;
}

struct Fulfillment {
    ProofRequest request;
    bytes clientSignature;
    bytes journal;
    bytes seal;
}

enum RequestStatus {
    Unknown,
    Locked,
    Fulfilled,
    Slashed,
    Refunded
}

/// @dev What `requestLock` returns. Storage keeps the same fields packed into three slots (VerityMarket.StoredLock).
struct RequestLock {
    address prover;
    uint64 lockDeadline;
    uint64 deadline;
    uint96 price;
    uint96 collateral;
    bytes32 requestDigest;
    uint8 flags;
}

/// @dev sha256(CLAIM_TAG ‖ imageId ‖ journalDigest ‖ uint32be(0)): what a seal proves (docs/MARKET.md §1).
library ClaimDigests {
    function claimDigest(bytes32 imageId, bytes32 journalDigest) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(sha256("verity.claim.v1"), imageId, journalDigest, uint32(0)));
    }
}
