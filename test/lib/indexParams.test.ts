import { expect } from "chai";

import { BadRequest, countParam, errorBody, uintParam } from "../../indexer/src/api/params";

/** The index's /kc parameters (indexer/src/api/params.ts): malformed input is a 400 with a reason, not a 500. */
describe("index parameters", function () {
  it("uintParam reads whole numbers and refuses the rest with a BadRequest", function () {
    expect(uintParam("0", "?at=")).to.equal(0n);
    expect(uintParam("1700000000", "?at=")).to.equal(1_700_000_000n);
    for (const bad of ["", "abc", "-1", "1.5", "1e9", "0x10", " 1", "1".repeat(79)])
      expect(() => uintParam(bad, "?at="), bad).to.throw(BadRequest, "?at=");
    expect(() => uintParam("9".repeat(78), "the pool id")).to.throw(BadRequest, "larger than a uint256");
  });

  it("countParam: default when absent, bounds checked", function () {
    expect(countParam(undefined, "?limit=", 50, 500)).to.equal(50);
    expect(countParam("500", "?limit=", 50, 500)).to.equal(500);
    expect(countParam("0", "?depth=", 3, 8, 0)).to.equal(0);
    expect(() => countParam("0", "?limit=", 50, 500)).to.throw(BadRequest, "?limit= is from 1 to 500, not 0");
    expect(() => countParam("501", "?limit=", 50, 500)).to.throw(
      BadRequest,
      "?limit= is from 1 to 500, not 501",
    );
    expect(() => countParam("NaN", "?depth=", 3, 8, 0)).to.throw(
      BadRequest,
      "?depth= is not a whole number: NaN",
    );
  });

  it("errorBody: a BadRequest is a 400 with its reason, anything else a 500", function () {
    expect(errorBody(new BadRequest("?at= is not a whole number: x"))).to.deep.equal({
      status: 400,
      body: { error: "?at= is not a whole number: x" },
    });
    expect(errorBody(new SyntaxError("Cannot convert x to a BigInt"))).to.deep.equal({
      status: 500,
      body: { error: "the index failed: Cannot convert x to a BigInt" },
    });
  });
});
