import { ethers } from "hardhat";
async function main() {
  await ethers.provider.send("evm_increaseTime", [2 * 86400]);
  await ethers.provider.send("evm_mine", []);
}
main();
