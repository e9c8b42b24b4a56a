// Decodes an OTLP ExportTraceServiceRequest (protobuf binary) with the decoder the
// OpenTelemetry project generates from opentelemetry-proto (@opentelemetry/otlp-transformer)
// and prints it as one JSON document. The C++ encoder's tests (tests/unit/observability/
// otlp_test.cc) compare what it wrote against this reading.
//
//   node tests/js/otlp_decode.mjs FILE
//
// Output: the message's toObject() form with camelCase field names; fields absent from the
// wire are absent; 64-bit integers (times, intValue) as decimal strings; bytes (ids) as
// lower-case hex; enums as numbers; a oneof names its set member (AnyValue's "value":
// "intValue"); non-finite doubles as "NaN" / "Infinity" / "-Infinity".
// Exit status 0 on success; 1 with the reason on stderr when the file cannot be read or is
// not a valid ExportTraceServiceRequest; 2 on wrong usage.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const root = require("@opentelemetry/otlp-transformer/build/src/generated/root.js");
const Request = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

// Replaces every byte array in a toObject() result by its hex string.
function hexBytes(value) {
  if (value instanceof Uint8Array) return Buffer.from(value).toString("hex");
  if (Array.isArray(value)) return value.map(hexBytes);
  if (value !== null && typeof value === "object") {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = hexBytes(v);
    return out;
  }
  return value;
}

if (process.argv.length !== 3) {
  process.stderr.write("usage: node otlp_decode.mjs FILE\n");
  process.exit(2);
}
try {
  const message = Request.decode(readFileSync(process.argv[2]));
  const object = Request.toObject(message, { longs: String, oneofs: true, json: true });
  process.stdout.write(JSON.stringify(hexBytes(object)) + "\n");
} catch (err) {
  process.stderr.write(`otlp_decode: ${err.message}\n`);
  process.exit(1);
}
