// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {VerityMarket} from "../src/VerityMarket.sol";

/// @notice Test helper: deposits into the market, withdraws, and on receiving the ETH tries to withdraw again.
/// The inner attempt's revert data is kept so a test can check it was refused (ReentrancyGuardReentrantCall).
contract ReentrantReceiver {
    VerityMarket public immutable MARKET;
    bool internal _entered;
    uint256 public reentryAttempts;
    bytes public reentryRevertData;

    constructor(VerityMarket market) {
        MARKET = market;
    }

    function depositAndWithdraw(uint256 amount) external payable {
        MARKET.deposit{value: msg.value}();
        MARKET.withdraw(amount);
    }

    receive() external payable {
        if (_entered) return;
        _entered = true;
        reentryAttempts += 1;
        try MARKET.withdraw(msg.value) {}
        catch (bytes memory data) {
            reentryRevertData = data;
        }
    }
}
