#!/usr/bin/env node
// N concurrent streaming chat completions against one URL, each checked chunk by chunk
// (node:http only, no dependencies). For bench/gateway.sh.
//
//   node bench/gateway/streams.mjs --url http://127.0.0.1:PORT --path /v1/chat/completions \
//        --token TOKEN --body '{"model":…,"stream":true,…}' [--streams 2000] [--chunks 20]
//        [--header 'name: value']... [--timeout-ms 120000]
//
// All N requests start at once, over an http.Agent with keepAlive and maxSockets N (so N
// connections). Every response is read to the end and parsed as server-sent events. The
// content of the chunks (choices[0].delta.content) must be the numbered words of
// bench/gateway/upstream.mjs: "w0 ", "w1 ", … "w{chunks-1} ", in this order, and the stream
// must end with `data: [DONE]`.
//
// Prints one JSON line:
//   {streams, ok, lost_chunks, misordered, errors, wall_ms, ...}
//   ok           streams with status 200, every chunk in order, [DONE], no error
//   lost_chunks  numbered chunks that never arrived, over all streams (an errored stream
//                counts everything it did not deliver)
//   misordered   chunks that arrived after a higher-numbered one, or twice
//   errors       streams that failed: HTTP status other than 200, socket error, timeout,
//                unparsable event, or no [DONE] at the end; error_samples has up to 5 reasons
//   wall_ms      first request sent → last stream ended
//   plus first_chunk_ms_{p50,p99} (request sent → first content chunk) and
//   stream_ms_{p50,p99,max} (request sent → end of the stream), over the streams that got there.
import http from 'node:http';

function parseArgs(argv) {
  const o = { url: '', path: '/v1/chat/completions', token: '', body: '', streams: 2000, chunks: 20,
    headers: {}, timeoutMs: 120000 };
  for (let i = 0; i < argv.length; i++) {
    let [flag, value] = argv[i].split(/=(.*)/s, 2);
    if (value === undefined) value = argv[++i];
    if (value === undefined) usage(`${flag} needs a value`);
    switch (flag) {
      case '--url': o.url = value; break;
      case '--path': o.path = value; break;
      case '--token': o.token = value; break;
      case '--body': o.body = value; break;
      case '--streams': o.streams = uint(flag, value); break;
      case '--chunks': o.chunks = uint(flag, value); break;
      case '--timeout-ms': o.timeoutMs = uint(flag, value); break;
      case '--header': {
        const c = value.indexOf(':');
        if (c <= 0) usage(`--header wants 'name: value', got '${value}'`);
        o.headers[value.slice(0, c).trim().toLowerCase()] = value.slice(c + 1).trim();
        break;
      }
      default: usage(`unknown argument ${flag}`);
    }
  }
  if (!o.url || !o.body) usage('--url and --body are required');
  if (o.streams === 0) usage('--streams must be at least 1');
  try { JSON.parse(o.body); } catch (e) { usage(`--body is not JSON: ${e.message}`); }
  return o;
}
function uint(flag, v) {
  if (!/^\d+$/.test(v)) usage(`${flag} must be a non-negative integer, got '${v}'`);
  return Number(v);
}
function usage(msg) {
  process.stderr.write(`streams.mjs: ${msg}\n`);
  process.exit(2);
}

const o = parseArgs(process.argv.slice(2));
const base = new URL(o.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: o.streams, maxFreeSockets: o.streams });
const body = Buffer.from(o.body);
const headers = {
  'content-type': 'application/json',
  'content-length': body.length,
  accept: 'text/event-stream',
  ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
  ...o.headers,
};

const now = () => Number(process.hrtime.bigint()) / 1e6;

function runOne() {
  return new Promise((resolve) => {
    const st = { t0: now(), firstChunkMs: null, endMs: null, next: 0, seen: new Set(),
      misordered: 0, done: false, error: null, buf: '' };
    let settled = false;
    const finish = (error) => {
      if (settled) return;
      settled = true;
      if (error && !st.error) st.error = error;
      st.endMs = now() - st.t0;
      resolve(st);
    };
    const onEvent = (data) => {
      if (st.done) { st.error ??= 'data after [DONE]'; return; }
      if (data === '[DONE]') { st.done = true; return; }
      let chunk;
      try { chunk = JSON.parse(data); } catch { st.error ??= `unparsable event: ${data.slice(0, 80)}`; return; }
      if (chunk.error) { st.error ??= `error event: ${JSON.stringify(chunk.error).slice(0, 120)}`; return; }
      if (chunk.object !== 'chat.completion.chunk') { st.error ??= `not a chunk: ${data.slice(0, 80)}`; return; }
      const content = chunk.choices?.[0]?.delta?.content;
      if (typeof content !== 'string' || content === '') return;
      // One content chunk may in principle carry several words; each word is checked.
      for (const m of content.matchAll(/w(\d+) /g)) {
        const n = Number(m[1]);
        if (st.firstChunkMs === null) st.firstChunkMs = now() - st.t0;
        if (st.seen.has(n) || n < st.next) st.misordered++;
        st.seen.add(n);
        if (n >= st.next) st.next = n + 1;
      }
    };
    const req = http.request({
      host: base.hostname, port: base.port, method: 'POST', path: o.path, agent, headers,
    }, (res) => {
      if (res.statusCode !== 200) {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => { if (text.length < 300) text += d; });
        res.on('end', () => finish(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
        res.on('error', (e) => finish(`HTTP ${res.statusCode}, then ${e.message}`));
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (d) => {
        st.buf += d;
        // Events end with a blank line; \r\n line ends are allowed.
        for (;;) {
          const m = /\r?\n\r?\n/.exec(st.buf);
          if (!m) break;
          const event = st.buf.slice(0, m.index);
          st.buf = st.buf.slice(m.index + m[0].length);
          const data = event.split(/\r?\n/).filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).replace(/^ /, '')).join('\n');
          if (data !== '') onEvent(data);
        }
      });
      res.on('end', () => finish(st.done ? null : 'stream ended without [DONE]'));
      res.on('error', (e) => finish(`response: ${e.message}`));
      res.on('aborted', () => finish('response aborted'));
    });
    req.setTimeout(o.timeoutMs, () => { req.destroy(new Error(`timeout after ${o.timeoutMs} ms`)); });
    req.on('error', (e) => finish(`request: ${e.code || ''} ${e.message}`.trim()));
    req.end(body);
  });
}

function pct(sorted, p) {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[i] * 100) / 100;
}

const t0 = now();
const results = await Promise.all(Array.from({ length: o.streams }, runOne));
const wallMs = now() - t0;
agent.destroy();

let ok = 0, lost = 0, misordered = 0, errors = 0;
const samples = new Map();
const first = [], total = [];
for (const st of results) {
  let missing = 0;
  for (let n = 0; n < o.chunks; n++) if (!st.seen.has(n)) missing++;
  const extra = [...st.seen].filter((n) => n >= o.chunks).length;
  if (extra && !st.error) st.error = `${extra} chunk(s) numbered past --chunks ${o.chunks}`;
  lost += missing;
  misordered += st.misordered;
  if (st.error) {
    errors++;
    samples.set(st.error, (samples.get(st.error) || 0) + 1);
  } else if (missing === 0 && st.misordered === 0 && st.done) {
    ok++;
  }
  if (st.firstChunkMs !== null) first.push(st.firstChunkMs);
  if (!st.error) total.push(st.endMs);
}
first.sort((a, b) => a - b);
total.sort((a, b) => a - b);
const out = {
  streams: o.streams, ok, lost_chunks: lost, misordered, errors,
  wall_ms: Math.round(wallMs * 10) / 10,
  chunks_per_stream: o.chunks,
  first_chunk_ms_p50: pct(first, 50), first_chunk_ms_p99: pct(first, 99),
  stream_ms_p50: pct(total, 50), stream_ms_p99: pct(total, 99), stream_ms_max: pct(total, 100),
  error_samples: [...samples.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5)
    .map(([reason, count]) => ({ reason, count })),
};
process.stdout.write(JSON.stringify(out) + '\n');
