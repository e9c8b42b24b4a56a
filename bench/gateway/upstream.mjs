#!/usr/bin/env node
// A fast OpenAI-compatible upstream for bench/gateway.sh (node:http only, no dependencies).
//
//   node bench/gateway/upstream.mjs [--port 0] [--latency-ms 0] [--chunks 20] [--chunk-delay-ms 0]
//                                   [--key sk-bench]
//
// Prints {"url":"http://127.0.0.1:PORT/v1"} on stdout once it listens (--port 0: a free port).
//
// POST /v1/chat/completions (needs "Authorization: Bearer <key>", else 401 in OpenAI's error shape)
//   - without "stream": true: a chat.completion in OpenAI's shape (id, object, created, model,
//     choices[{index, message{role, content, refusal}, logprobs, finish_reason}], usage,
//     system_fingerprint). The content is the text the stream would carry: "w0 w1 … w{N-1} ".
//   - with "stream": true: server-sent events, each `data: {chat.completion.chunk}\n\n`: a role
//     chunk, then --chunks content chunks "w0 ", "w1 ", … (the numbers let a client check the
//     order), then a finish chunk (finish_reason "stop"); with stream_options.include_usage every
//     chunk carries "usage": null and a last chunk has choices [] and the usage; then
//     `data: [DONE]\n\n`.
// --latency-ms delays the response head (both kinds); --chunk-delay-ms spaces the content
// chunks of a stream (the role chunk goes out with the head, the finish chunk right after the
// last content chunk). GET /v1/models lists the one model. Keep-alive is on.
// SIGTERM / SIGINT: closes the listener and exits.
import http from 'node:http';

function parseArgs(argv) {
  const opts = { port: 0, latencyMs: 0, chunks: 20, chunkDelayMs: 0, key: 'sk-bench' };
  const names = {
    '--port': 'port', '--latency-ms': 'latencyMs', '--chunks': 'chunks',
    '--chunk-delay-ms': 'chunkDelayMs', '--key': 'key',
  };
  for (let i = 0; i < argv.length; i++) {
    let [flag, value] = argv[i].split('=', 2);
    const name = names[flag];
    if (!name) usage(`unknown argument ${argv[i]}`);
    if (value === undefined) value = argv[++i];
    if (value === undefined) usage(`${flag} needs a value`);
    if (name === 'key') { opts.key = value; continue; }
    if (!/^\d+$/.test(value)) usage(`${flag} must be a non-negative integer, got '${value}'`);
    opts[name] = Number(value);
  }
  return opts;
}

function usage(msg) {
  process.stderr.write(`upstream.mjs: ${msg}\nusage: node bench/gateway/upstream.mjs [--port 0] ` +
    '[--latency-ms 0] [--chunks 20] [--chunk-delay-ms 0] [--key sk-bench]\n');
  process.exit(2);
}

const opts = parseArgs(process.argv.slice(2));
const MODEL = 'gpt-4o-mini';
const FINGERPRINT = 'fp_bench';
const words = Array.from({ length: opts.chunks }, (_, i) => `w${i} `);
const fullText = words.join('');
let counter = 0;

function errorBody(status, message, code) {
  const type = status === 429 ? 'rate_limit_exceeded'
    : status >= 500 ? 'server_error' : 'invalid_request_error';
  return JSON.stringify({ error: { message, type, param: null, code: code ?? null } });
}

function sendJson(res, status, text, requestId) {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-request-id': requestId,
    'openai-processing-ms': '0',
  });
  res.end(text);
}

function usageFor(body) {
  let prompt = 0;
  for (const m of Array.isArray(body.messages) ? body.messages : []) {
    const c = m && m.content;
    if (typeof c === 'string') prompt += c.split(/\s+/).filter(Boolean).length;
  }
  const completion = Math.max(1, opts.chunks);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

function completion(body, id, created) {
  return JSON.stringify({
    id, object: 'chat.completion', created, model: modelOf(body),
    choices: [{
      index: 0,
      message: { role: 'assistant', content: fullText, refusal: null },
      logprobs: null,
      finish_reason: 'stop',
    }],
    usage: usageFor(body),
    system_fingerprint: FINGERPRINT,
  });
}

function modelOf(body) {
  return typeof body.model === 'string' && body.model ? body.model : MODEL;
}

function stream(req, res, body, id, created, requestId) {
  const includeUsage = !!(body.stream_options && body.stream_options.include_usage);
  const model = modelOf(body);
  // Everything but choices (and usage) is the same in every chunk of one stream.
  const prefix = `data: {"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},` +
    `"model":${JSON.stringify(model)},"system_fingerprint":"${FINGERPRINT}",`;
  const tail = includeUsage ? ',"usage":null}\n\n' : '}\n\n';
  const chunk = (delta, finish) =>
    `${prefix}"choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}]${tail}`;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-request-id': requestId,
    'openai-processing-ms': '0',
  });
  let closed = false;
  let timer = null;
  res.on('close', () => { closed = true; if (timer) clearTimeout(timer); });
  res.write(chunk('{"role":"assistant","content":"","refusal":null}', 'null'));
  let i = 0;
  const finish = () => {
    let out = chunk('{}', '"stop"');
    if (includeUsage) {
      out += `${prefix}"choices":[],"usage":${JSON.stringify(usageFor(body))}}\n\n`;
    }
    out += 'data: [DONE]\n\n';
    res.end(out);
  };
  const next = () => {  // paced: one content chunk per timer
    timer = null;
    if (closed) return;
    res.write(chunk(`{"content":"${words[i]}"}`, 'null'));
    i++;
    if (i < words.length) timer = setTimeout(next, opts.chunkDelayMs);
    else finish();
  };
  if (words.length === 0) finish();
  else if (opts.chunkDelayMs === 0) {  // unpaced: all of it in one write
    let out = '';
    for (; i < words.length; i++) out += chunk(`{"content":"${words[i]}"}`, 'null');
    res.write(out);
    finish();
  } else timer = setTimeout(next, opts.chunkDelayMs);
}

function handle(req, res, raw) {
  const requestId = `req_bench_${++counter}`;
  const path = req.url.split('?', 1)[0];
  if (req.headers.authorization !== `Bearer ${opts.key}`) {
    return sendJson(res, 401, errorBody(401, 'Incorrect API key provided.', 'invalid_api_key'), requestId);
  }
  if (req.method === 'GET' && path === '/v1/models') {
    return sendJson(res, 200, JSON.stringify({
      object: 'list', data: [{ id: MODEL, object: 'model', created: 1700000000, owned_by: 'bench' }],
    }), requestId);
  }
  if (path !== '/v1/chat/completions') {
    return sendJson(res, 404, errorBody(404, `Unknown request URL: ${req.method} ${path}.`, 'unknown_url'), requestId);
  }
  if (req.method !== 'POST') {
    return sendJson(res, 405, errorBody(405, `Method ${req.method} not allowed.`), requestId);
  }
  let body;
  try {
    body = JSON.parse(raw);
  } catch {
    body = null;
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return sendJson(res, 400, errorBody(400, 'We could not parse the JSON body of your request.'), requestId);
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return sendJson(res, 400, errorBody(400, "Missing required parameter: 'messages'."), requestId);
  }
  const id = `chatcmpl-bench${counter}`;
  const created = Math.floor(Date.now() / 1000);
  const respond = () => {
    if (res.destroyed) return;
    if (body.stream === true) stream(req, res, body, id, created, requestId);
    else sendJson(res, 200, completion(body, id, created), requestId);
  };
  if (opts.latencyMs > 0) setTimeout(respond, opts.latencyMs);
  else respond();
}

const server = http.createServer({ keepAlive: true, noDelay: true }, (req, res) => {
  const parts = [];
  req.on('data', (d) => parts.push(d));
  req.on('end', () => handle(req, res, Buffer.concat(parts).toString('utf8')));
  req.on('error', () => {});
});
server.keepAliveTimeout = 120_000;   // longer than the clients keep idle connections
server.headersTimeout = 125_000;
server.requestTimeout = 0;
server.maxRequestsPerSocket = 0;
server.on('clientError', (err, socket) => { socket.destroy(); });
// A backlog of 4096 (the kernel's somaxconn here): 2,000 clients connecting at once must not
// overflow it, or their SYNs get dropped and retried a second later.
server.listen({ port: opts.port, host: '127.0.0.1', backlog: 4096 }, () => {
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${server.address().port}/v1` }) + '\n');
});
const stop = () => { server.close(); server.closeAllConnections(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
