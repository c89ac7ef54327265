// The `kc` CLI. Each file registers its tasks; they load typechain types with `import type` only, so
// `npx hardhat compile` works on a clean checkout before typechain-types/ exists.
import "./kc";
