import { expect } from "chai";

import { MissingEnvError, REMOTE_NETWORK, remoteNetworkFromEnv } from "../../config/networks";

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
    const saved = process.env.HARDHAT_NETWORK;
    process.env.HARDHAT_NETWORK = REMOTE_NETWORK;
    try {
      expect(() => remoteNetworkFromEnv({}, ["node", "hardhat", "test"])).to.throw(MissingEnvError);
    } finally {
      if (saved === undefined) delete process.env.HARDHAT_NETWORK;
      else process.env.HARDHAT_NETWORK = saved;
    }
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
