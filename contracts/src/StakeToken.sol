// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @notice The provers' collateral. The market burns half of an expired lock's collateral through `burn`.
contract StakeToken is ERC20, ERC20Permit, ERC20Burnable, Ownable {
    /// @notice anvil's chain id: the only chain where anyone may mint themselves tokens.
    uint256 public constant DEVELOPMENT_CHAIN_ID = 31337;
    uint256 public constant FAUCET_LIMIT = 1_000_000 ether;

    error FaucetDisabled(uint256 chainId);
    error FaucetLimit(uint256 amount, uint256 limit);

    constructor() ERC20("Verity Stake", "VSTK") ERC20Permit("Verity Stake") Ownable(msg.sender) {}

    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }

    /// @notice Development chains only: mints `amount` (at most FAUCET_LIMIT) to the caller.
    function faucet(uint256 amount) external {
        if (block.chainid != DEVELOPMENT_CHAIN_ID) revert FaucetDisabled(block.chainid);
        if (amount > FAUCET_LIMIT) revert FaucetLimit(amount, FAUCET_LIMIT);
        _mint(msg.sender, amount);
    }
}
