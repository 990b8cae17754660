// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {VerityMarket} from "../src/VerityMarket.sol";

/// @notice Test helper: a market account that cannot receive ETH (no receive function), so withdraw hits TransferFailed.
contract RejectingReceiver {
    VerityMarket public immutable MARKET;

    constructor(VerityMarket market) {
        MARKET = market;
    }

    function deposit() external payable {
        MARKET.deposit{value: msg.value}();
    }

    function withdraw(uint256 amount) external {
        MARKET.withdraw(amount);
    }
}
