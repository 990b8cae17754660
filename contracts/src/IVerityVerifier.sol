// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice A proof system's verifier: returns when `seal` proves that the program `imageId` ran to exit code 0
/// and wrote a journal with SHA-256 `journalDigest`; reverts otherwise.
interface IVerityVerifier {
    function verify(bytes calldata seal, bytes32 imageId, bytes32 journalDigest) external view;
}
