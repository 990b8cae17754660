// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IVerityVerifier} from "./IVerityVerifier.sol";
import {ClaimDigests} from "./MarketTypes.sol";

/// @notice CHECKS NO PROOF. Accepts SELECTOR ‖ claimDigest(imageId, journalDigest) for any claim, so it refuses to be
/// deployed anywhere but anvil's chain 31337. The node sends such seals only in an explicit development mode, for
/// receipts it verified itself off chain.
contract DevelopmentVerifier is IVerityVerifier {
    bytes4 public constant SELECTOR = 0xdeadc0de;
    uint256 public constant DEVELOPMENT_CHAIN_ID = 31337;

    error NotADevelopmentChain(uint256 chainId);
    error VerificationFailed();

    constructor() {
        if (block.chainid != DEVELOPMENT_CHAIN_ID) revert NotADevelopmentChain(block.chainid);
    }

    function verify(bytes calldata seal, bytes32 imageId, bytes32 journalDigest) external pure {
        if (
            seal.length != 36 || bytes4(seal[:4]) != SELECTOR
                || bytes32(seal[4:36]) != ClaimDigests.claimDigest(imageId, journalDigest)
        ) revert VerificationFailed();
    }
}
