// A fake Langfuse for tests: the two ingestion endpoints recipe-rag uses, checked the way
// Langfuse checks them, and a window onto what arrived. Node 20, no dependencies beyond the
// OpenTelemetry project's generated OTLP protobuf code (tests/js/node_modules, installed by
// scripts/setup).
//
//   node tests/support/fake_langfuse.mjs --port P --public-key PK --secret-key SK
//                                        [--fail-status STATUS]
//
// Listens on 127.0.0.1:P (0: any free port) and prints `listening <port>` as its first line
// of stdout. With --fail-status every trace export answers STATUS (as `/_fail?count=-1` does).
//
//   POST /api/public/otel/v1/traces   OTLP/HTTP protobuf. 401 without `Authorization: Basic
//        base64(PK:SK)`; 400 without `x-langfuse-ingestion-version: 4`; 415 unless the
//        Content-Type is application/x-protobuf; 400 when the body (gunzipped when
//        `Content-Encoding: gzip`) is not an ExportTraceServiceRequest. Then the injected
//        failure, if any (nothing is stored); otherwise every span is stored and the answer is
//        200 with an empty ExportTraceServiceResponse (zero bytes, application/x-protobuf).
//   POST /api/public/scores            JSON (gzip too). 401 as above; 400 unless it is an
//        object with a non-empty string `traceId` and `name` and a number or string `value`;
//        stored with an `id` (its own or a new UUID); 200 {"id": ...}.
//   GET  /_received                    no auth: {"spans": [...], "scores": [...],
//        "requests": N, "rejected": N, "bytes": N}. `requests` counts the POSTs to the two endpoints
//        above, `rejected` those answered with anything but 200; `bytes` the trace bodies
//        taken with --count-only (which stores and decodes nothing: for benchmarks).
//   POST /_fail?status=503&count=N     no auth: the next N trace exports answer `status`
//        (default 503; N default 1, -1 for ever, 0 back to normal). 200 {"status","count"}.
//
// A stored span is flat: traceId, spanId, parentSpanId (lower-case hex; "" for a root), name,
// kind (number), startTimeUnixNano and endTimeUnixNano (decimal strings), flags, attributes
// and resource (objects key → value: strings, booleans, doubles, ints as numbers when within
// ±2^53 - 1 and as decimal strings beyond, arrays and kvlists as arrays and objects, bytes as
// hex), status {code, message} (defaults 0 and ""), scope {name, version}.
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "..", "js", "package.json"));
const root = require("@opentelemetry/otlp-transformer/build/src/generated/root.js");
const { ExportTraceServiceRequest, ExportTraceServiceResponse } =
  root.opentelemetry.proto.collector.trace.v1;

const kMaxBody = 64 * 1024 * 1024;

function parseArgs(argv) {
  const options = { port: 0, publicKey: null, secretKey: null, failStatus: null, countOnly: false };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === "--count-only") {
      // For benchmarks: check the request, count its bytes, keep and decode nothing, so that
      // the receiver takes little of the machine it shares with the service.
      options.countOnly = true;
      i -= 1;
      continue;
    }
    if (value === undefined) usage(`${flag} needs a value`);
    if (flag === "--port") options.port = Number(value);
    else if (flag === "--public-key") options.publicKey = value;
    else if (flag === "--secret-key") options.secretKey = value;
    else if (flag === "--fail-status") options.failStatus = Number(value);
    else usage(`unknown option ${flag}`);
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    usage("--port must be 0-65535");
  }
  if (!options.publicKey || !options.secretKey) usage("--public-key and --secret-key are required");
  if (options.failStatus !== null && !validStatus(options.failStatus)) {
    usage("--fail-status must be an HTTP status (100-599)");
  }
  return options;
}

function usage(problem) {
  process.stderr.write(
    `fake_langfuse: ${problem}\nusage: node fake_langfuse.mjs --port P --public-key PK ` +
      `--secret-key SK [--fail-status STATUS] [--count-only]\n`,
  );
  process.exit(2);
}

function validStatus(n) {
  return Number.isInteger(n) && n >= 100 && n <= 599;
}

const options = parseArgs(process.argv.slice(2));
const expectedAuth =
  "Basic " + Buffer.from(`${options.publicKey}:${options.secretKey}`).toString("base64");
const state = {
  spans: [],
  scores: [],
  requests: 0,
  rejected: 0,
  failStatus: options.failStatus ?? 503,
  failCount: options.failStatus === null ? 0 : -1,
};

// --- Decoding ------------------------------------------------------------------------------

const hex = (bytes) => (bytes && bytes.length ? Buffer.from(bytes).toString("hex") : "");

function anyValue(v) {
  if (v == null) return null;
  if (v.stringValue != null) return v.stringValue;
  if (v.boolValue != null) return v.boolValue;
  if (v.intValue != null) {
    const text = v.intValue.toString();  // a Long, or a number
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : text;
  }
  if (v.doubleValue != null) return v.doubleValue;
  if (v.arrayValue != null) return (v.arrayValue.values ?? []).map(anyValue);
  if (v.kvlistValue != null) return keyValues(v.kvlistValue.values);
  if (v.bytesValue != null) return hex(v.bytesValue);
  return null;
}

function keyValues(list) {
  const out = {};
  for (const kv of list ?? []) out[kv.key] = anyValue(kv.value);
  return out;
}

function flattenSpans(request) {
  const spans = [];
  for (const rs of request.resourceSpans ?? []) {
    const resource = keyValues(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      const scope = { name: ss.scope?.name ?? "", version: ss.scope?.version ?? "" };
      for (const s of ss.spans ?? []) {
        spans.push({
          traceId: hex(s.traceId),
          spanId: hex(s.spanId),
          parentSpanId: hex(s.parentSpanId),
          name: s.name ?? "",
          kind: s.kind ?? 0,
          startTimeUnixNano: (s.startTimeUnixNano ?? 0).toString(),
          endTimeUnixNano: (s.endTimeUnixNano ?? 0).toString(),
          flags: s.flags ?? 0,
          attributes: keyValues(s.attributes),
          status: { code: s.status?.code ?? 0, message: s.status?.message ?? "" },
          resource,
          scope,
        });
      }
    }
  }
  return spans;
}

// --- HTTP ------------------------------------------------------------------------------------

function send(res, status, body, type = "application/json") {
  const payload = typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(payload) });
  res.end(payload);
}

// Answers an ingestion request with `status`, counting it.
function answer(res, status, body, type) {
  if (status !== 200) state.rejected += 1;
  send(res, status, body, type);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size > kMaxBody) {
        reject(Object.assign(new Error("body too large"), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

// The body without its Content-Encoding; throws {status} when it cannot be undone.
function decodeBody(req, raw) {
  const encoding = (req.headers["content-encoding"] ?? "identity").toLowerCase();
  if (encoding === "identity") return raw;
  if (encoding !== "gzip") {
    throw Object.assign(new Error(`unsupported content-encoding ${encoding}`), { status: 415 });
  }
  try {
    return gunzipSync(raw);
  } catch (err) {
    throw Object.assign(new Error(`bad gzip body: ${err.message}`), { status: 400 });
  }
}

async function handleTraces(req, res) {
  state.requests += 1;
  const raw = await readBody(req);
  if (req.headers.authorization !== expectedAuth) {
    return answer(res, 401, { message: "Invalid credentials" });
  }
  if (req.headers["x-langfuse-ingestion-version"] !== "4") {
    return answer(res, 400, { message: "x-langfuse-ingestion-version: 4 is required" });
  }
  const type = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/x-protobuf") {
    return answer(res, 415, { message: `unsupported content-type ${type || "(none)"}` });
  }
  if (options.countOnly) {
    state.bytes = (state.bytes ?? 0) + raw.length;
    return answer(res, 200, Buffer.alloc(0), "application/x-protobuf");
  }
  let request;
  try {
    request = ExportTraceServiceRequest.decode(decodeBody(req, raw));
  } catch (err) {
    return answer(res, err.status ?? 400, { message: `cannot decode: ${err.message}` });
  }
  if (state.failCount !== 0) {
    if (state.failCount > 0) state.failCount -= 1;
    return answer(res, state.failStatus, { message: "injected failure" });
  }
  state.spans.push(...flattenSpans(request));
  const empty = Buffer.from(ExportTraceServiceResponse.encode({}).finish());
  return answer(res, 200, empty, "application/x-protobuf");
}

async function handleScores(req, res) {
  state.requests += 1;
  const raw = await readBody(req);
  if (req.headers.authorization !== expectedAuth) {
    return answer(res, 401, { message: "Invalid credentials" });
  }
  let score;
  try {
    score = JSON.parse(decodeBody(req, raw).toString("utf8"));
  } catch (err) {
    return answer(res, err.status ?? 400, { message: `invalid JSON: ${err.message}` });
  }
  const nonEmpty = (v) => typeof v === "string" && v.length > 0;
  if (score === null || typeof score !== "object" || Array.isArray(score)) {
    return answer(res, 400, { message: "the body must be a JSON object" });
  }
  const missing = [];
  if (!nonEmpty(score.traceId)) missing.push("traceId");
  if (!nonEmpty(score.name)) missing.push("name");
  if (!(typeof score.value === "number" || typeof score.value === "string")) missing.push("value");
  if (missing.length) return answer(res, 400, { message: `invalid ${missing.join(", ")}` });
  const id = nonEmpty(score.id) ? score.id : randomUUID();
  state.scores.push({ ...score, id });
  return answer(res, 200, { id });
}

function handleFail(url, res) {
  const status = Number(url.searchParams.get("status") ?? 503);
  const count = Number(url.searchParams.get("count") ?? 1);
  if (!validStatus(status) || !Number.isInteger(count) || count < -1) {
    return send(res, 400, { message: "status must be 100-599 and count an integer >= -1" });
  }
  state.failStatus = status;
  state.failCount = count;
  return send(res, 200, { status, count });
}

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url, "http://127.0.0.1");
    const route = `${req.method} ${url.pathname}`;
    if (route === "POST /api/public/otel/v1/traces") return await handleTraces(req, res);
    if (route === "POST /api/public/scores") return await handleScores(req, res);
    if (route === "GET /_received") {
      const { spans, scores, requests, rejected } = state;
      return send(res, 200, { spans, scores, requests, rejected, bytes: state.bytes ?? 0 });
    }
    if (route === "POST /_fail") return handleFail(url, res);
    return send(res, 404, { message: `no route ${route}` });
  } catch (err) {
    if (!res.headersSent) {
      const status = err.status ?? 500;
      if (req.url.startsWith("/api/public/")) state.rejected += 1;
      send(res, status, { message: err.message });
    }
  }
});

server.listen(options.port, "127.0.0.1", () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
