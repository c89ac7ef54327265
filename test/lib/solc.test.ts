import { expect } from "chai";

import { offlineSolcBuild, type SolcLoader } from "../../config/solc";

function loader(packages: Record<string, string>): SolcLoader {
  return {
    load: (pkg) => (pkg in packages ? { version: () => packages[pkg] } : undefined),
    resolve: (path) => `/node_modules/${path}`,
  };
}

describe("offlineSolcBuild", function () {
  it("uses the solc package for the configured version", function () {
    expect(
      offlineSolcBuild("0.8.30", "0.8.30", loader({ solc: "0.8.30+commit.73712a01.Emscripten.clang" })),
    ).to.deep.equal({
      compilerPath: "/node_modules/solc/soljson.js",
      isSolcJs: true,
      version: "0.8.30",
      longVersion: "0.8.30+commit.73712a01",
    });
  });

  it("uses a solc-<version> alias for another version", function () {
    const build = offlineSolcBuild(
      "0.8.29",
      "0.8.30",
      loader({ "solc-0.8.29": "0.8.29+commit.ab55807c.Emscripten.clang" }),
    );
    expect(build.compilerPath).to.equal("/node_modules/solc-0.8.29/soljson.js");
    expect(build.longVersion).to.equal("0.8.29+commit.ab55807c");
  });

  it("fails with a clear message when the installed solc is another version", function () {
    expect(() =>
      offlineSolcBuild("0.8.30", "0.8.30", loader({ solc: "0.8.31+commit.fd3a2265.Emscripten.clang" })),
    ).to.throw(
      'Compiler mismatch: hardhat.config.ts asks for solc 0.8.30 but the npm package "solc" is 0.8.31+commit.fd3a2265. ' +
        'Pin "solc" to exactly 0.8.30 in package.json and run npm ci.',
    );
  });

  it("fails naming the install command when no package provides the version", function () {
    expect(() => offlineSolcBuild("0.6.11", "0.8.30", loader({ solc: "0.8.30+commit.73712a01" }))).to.throw(
      "No offline compiler for solc 0.6.11: install it with npm install --save-dev --save-exact solc-0.6.11@npm:solc@0.6.11",
    );
  });

  it("resolves the real solc package of this repository to exactly the configured version", function () {
    expect(offlineSolcBuild("0.8.30", "0.8.30").longVersion).to.equal("0.8.30+commit.73712a01");
  });
});
