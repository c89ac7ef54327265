import { expect } from "chai";

import { EnvError, MissingEnvError, REMOTE_NETWORK, remoteNetworkFromEnv } from "../../config/networks";

describe("remoteNetworkFromEnv", function () {
  const remoteArgs = ["node", "hardhat", "kc", "show", "--network", REMOTE_NETWORK];
  const key = "0x" + "11".repeat(32);

  it("defines no remote network without RPC_URL when another network is chosen", function () {
    expect(remoteNetworkFromEnv({}, ["node", "hardhat", "test"])).to.deep.equal({});
  });

  it("fails naming RPC_URL when --network remote lacks it", function () {
    expect(() => remoteNetworkFromEnv({ PRIVATE_KEY: key }, remoteArgs))
      .to.throw(MissingEnvError)
      .with.property("message", "--network remote needs RPC_URL in .env (see .env.example)");
  });

  it("fails naming PRIVATE_KEY or MNEMONIC when --network remote has no account", function () {
    expect(() => remoteNetworkFromEnv({ RPC_URL: "http://127.0.0.1:8545" }, remoteArgs))
      .to.throw(MissingEnvError)
      .with.property("message", "--network remote needs PRIVATE_KEY or MNEMONIC in .env (see .env.example)");
  });

  it("also reads the network from HARDHAT_NETWORK", function () {
    expect(() =>
      remoteNetworkFromEnv({ HARDHAT_NETWORK: REMOTE_NETWORK }, ["node", "hardhat", "test"]),
    ).to.throw(MissingEnvError);
  });

  it("fails naming a malformed variable when --network remote needs it, never echoing a secret", function () {
    const rpc = { RPC_URL: "http://127.0.0.1:8545" };
    const cases: [NodeJS.ProcessEnv, string][] = [
      [
        { ...rpc, PRIVATE_KEY: "0x1234" },
        "PRIVATE_KEY in .env is not a private key: expected 0x and 64 hex digits, it has 4 hex digits",
      ],
      [
        { ...rpc, PRIVATE_KEY: "0x" + "zz".repeat(32) },
        "PRIVATE_KEY in .env is not a private key: expected 0x and 64 hex digits, it has characters other than hex digits",
      ],
      [
        { ...rpc, PRIVATE_KEY: "0x" + "00".repeat(32) },
        "PRIVATE_KEY in .env is not a private key: 0 or above the secp256k1 order",
      ],
      [
        { ...rpc, MNEMONIC: "test test test" },
        "MNEMONIC in .env is not a BIP-39 phrase (3 words; expected 12 to 24 English words with a valid checksum)",
      ],
      [
        { RPC_URL: "localhost:8545", PRIVATE_KEY: key },
        "RPC_URL in .env must start with http:// or https://, not localhost:",
      ],
      [
        { RPC_URL: "not a url", PRIVATE_KEY: key },
        "RPC_URL in .env is not a URL (expected e.g. https://sepolia.example/v3/<key>)",
      ],
      [
        { ...rpc, PRIVATE_KEY: key, CHAIN_ID: "sepolia" },
        'CHAIN_ID in .env is not a chain id (a whole number from 1): "sepolia"',
      ],
    ];
    for (const [env, message] of cases) {
      expect(() => remoteNetworkFromEnv(env, remoteArgs), message)
        .to.throw(EnvError)
        .with.property("message", message);
    }
  });

  it("ignores a malformed variable with one warning when the command does not use it", function () {
    const warnings: string[] = [];
    const warn = (line: string) => warnings.push(line);
    const env = { RPC_URL: "http://127.0.0.1:8545", PRIVATE_KEY: "0x1234" };
    // Another network: the remote one is defined, without the bad key.
    expect(remoteNetworkFromEnv(env, ["node", "hardhat", "kc", "hash", "x"], { warn })).to.deep.equal({
      remote: { url: "http://127.0.0.1:8545", accounts: [] },
    });
    // --network remote, for a command that sends nothing.
    remoteNetworkFromEnv(env, remoteArgs, { warn, needsAccount: false });
    // No key at all is fine for such a command, and says nothing.
    remoteNetworkFromEnv({ RPC_URL: env.RPC_URL }, remoteArgs, { warn, needsAccount: false });
    // A bad RPC_URL on another network drops the remote network.
    expect(
      remoteNetworkFromEnv({ RPC_URL: "ftp://x" }, ["node", "hardhat", "run", "scripts/demo.ts"], { warn }),
    ).to.deep.equal({});
    expect(warnings).to.deep.equal([
      "warning: PRIVATE_KEY in .env is not a private key: expected 0x and 64 hex digits, it has 4 hex digits; ignored (only --network remote uses it)",
      "warning: PRIVATE_KEY in .env is not a private key: expected 0x and 64 hex digits, it has 4 hex digits; ignored (this command sends nothing)",
      "warning: RPC_URL in .env must start with http:// or https://, not ftp:; ignored (only --network remote uses it)",
    ]);
  });

  it("prefers PRIVATE_KEY over MNEMONIC and passes CHAIN_ID through", function () {
    const networks = remoteNetworkFromEnv(
      { RPC_URL: " https://rpc.example ", PRIVATE_KEY: key, MNEMONIC: "test test", CHAIN_ID: "11155111" },
      remoteArgs,
    );
    expect(networks).to.deep.equal({
      remote: { url: "https://rpc.example", accounts: [key], chainId: 11155111 },
    });
  });

  it("uses the mnemonic when no private key is set", function () {
    const mnemonic = "test test test test test test test test test test test junk";
    expect(
      remoteNetworkFromEnv({ RPC_URL: "http://127.0.0.1:8545", MNEMONIC: mnemonic }, remoteArgs),
    ).to.deep.equal({
      remote: { url: "http://127.0.0.1:8545", accounts: { mnemonic } },
    });
  });
});
