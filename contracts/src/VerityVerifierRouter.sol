// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IVerityVerifier} from "./IVerityVerifier.sol";

/// @notice Sends each seal to the verifier its first four bytes name (Boundless's router shape). A removed
/// selector is retired for good, so a seal made for a withdrawn verifier can never be accepted by a new one.
contract VerityVerifierRouter is IVerityVerifier, Ownable {
    /// @dev Marks a retired selector. Address 1 is the ecrecover precompile, never a verifier.
    address internal constant TOMBSTONE = address(1);

    mapping(bytes4 => address) internal _verifiers;

    event VerifierAdded(bytes4 indexed selector, address verifier);
    event VerifierRemoved(bytes4 indexed selector);

    error SelectorInUse(bytes4 selector);
    error SelectorRemoved(bytes4 selector);
    error SelectorUnknown(bytes4 selector);
    error ZeroSelector();
    error InvalidVerifier(address verifier);
    error MalformedSeal(uint256 length);

    constructor() Ownable(msg.sender) {}

    function addVerifier(bytes4 selector, address verifier) external onlyOwner {
        if (selector == bytes4(0)) revert ZeroSelector();
        if (verifier == address(0) || verifier == TOMBSTONE) revert InvalidVerifier(verifier);
        address current = _verifiers[selector];
        if (current == TOMBSTONE) revert SelectorRemoved(selector);
        if (current != address(0)) revert SelectorInUse(selector);
        _verifiers[selector] = verifier;
        emit VerifierAdded(selector, verifier);
    }

    function removeVerifier(bytes4 selector) external onlyOwner {
        address current = _verifiers[selector];
        if (current == address(0) || current == TOMBSTONE) revert SelectorUnknown(selector);
        _verifiers[selector] = TOMBSTONE;
        emit VerifierRemoved(selector);
    }

    function getVerifier(bytes4 selector) public view returns (address) {
        address current = _verifiers[selector];
        if (current == TOMBSTONE) revert SelectorRemoved(selector);
        if (current == address(0)) revert SelectorUnknown(selector);
        return current;
    }

    function verify(bytes calldata seal, bytes32 imageId, bytes32 journalDigest) external view {
        if (seal.length < 4) revert MalformedSeal(seal.length);
        IVerityVerifier(getVerifier(bytes4(seal[:4]))).verify(seal, imageId, journalDigest);
    }
}
