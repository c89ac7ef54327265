// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title FalseReturnToken
/// @notice Test-only token that returns false instead of reverting when a transfer fails, true on success;
/// `setFailAll(true)` makes every transfer return false without moving anything.
contract FalseReturnToken {
    /// @notice ERC-20 Transfer event.
    event Transfer(address indexed from, address indexed to, uint256 value);
    /// @notice ERC-20 Approval event.
    event Approval(address indexed owner, address indexed spender, uint256 value);

    uint8 public constant decimals = 18;
    /// @notice Token balances.
    mapping(address account => uint256 balance) public balanceOf;
    /// @notice Token allowances.
    mapping(address owner => mapping(address spender => uint256 amount)) public allowance;
    /// @notice Sum of all balances.
    uint256 public totalSupply;
    /// @notice When true, every transfer and transferFrom returns false and moves nothing.
    bool public failAll;

    /// @notice Mints `amount` to `to`; anyone may call.
    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
        totalSupply += amount;
        emit Transfer(address(0), to, amount);
    }

    /// @notice Turns the fail-every-transfer switch on or off; anyone may call.
    function setFailAll(bool failAll_) external {
        failAll = failAll_;
    }

    /// @notice Standard approve.
    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    /// @notice Moves `amount` to `to`; false if the balance is too small or `failAll` is on.
    function transfer(address to, uint256 amount) external returns (bool) {
        return _move(msg.sender, to, amount);
    }

    /// @notice Moves `amount` from `from`; false if the allowance or balance is too small or `failAll` is on.
    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (failAll || allowed < amount || balanceOf[from] < amount) return false;
        if (allowed != type(uint256).max) allowance[from][msg.sender] = allowed - amount;
        return _move(from, to, amount);
    }

    function _move(address from, address to, uint256 amount) private returns (bool) {
        if (failAll || balanceOf[from] < amount) return false;
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
        return true;
    }
}
