import { type AddressInfo } from "node:net";
import { createServer, type Server } from "node:http";

import { expect } from "chai";

import { read } from "../../indexer/src/epochFiles";

/** The index fetches allocation files from URIs a scorer chose: bounded in size, streamed or declared. */
describe("index: reading an allocation file over HTTP", function () {
  let server: Server;
  let base: string;
  const body = "account,cumulative,epoch\n".padEnd(4096, "x");

  before(async function () {
    server = createServer((req, res) => {
      if (req.url === "/declared") {
        res.writeHead(200, { "content-length": String(body.length) });
        res.end(body);
      } else if (req.url === "/chunked") {
        res.writeHead(200); // no content-length: the cap applies while streaming
        res.write(body.slice(0, 2048));
        res.end(body.slice(2048));
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());
  afterEach(() => delete process.env.KC_EPOCHS_MAX_BYTES);

  it("reads a file within the cap, and says nothing of a missing one", async function () {
    expect((await read(`${base}/declared`))!.toString()).to.equal(body);
    expect((await read(`${base}/chunked`))!.toString()).to.equal(body);
    expect(await read(`${base}/missing`)).to.equal(undefined);
  });

  it("refuses a file over KC_EPOCHS_MAX_BYTES, declared or streamed", async function () {
    process.env.KC_EPOCHS_MAX_BYTES = "4095";
    await expect(read(`${base}/declared`)).to.be.rejectedWith(
      "4096 bytes, more than 4095 (KC_EPOCHS_MAX_BYTES)",
    );
    await expect(read(`${base}/chunked`)).to.be.rejectedWith("more than 4095 bytes (KC_EPOCHS_MAX_BYTES)");
  });
});
