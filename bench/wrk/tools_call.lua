-- wrk script: POST /v1/tools/call {"function":"search_corpus","arguments":{"query":Q,"top_k":K}}
-- cycling through a file of queries, one request per call of request().
--
-- Environment:
--   BENCH_QUERIES  path of the queries file: one query per line, each already a JSON string
--                  literal (bench/search.sh writes it from eval/dev.jsonl with json.dumps)
--   BENCH_TOKEN    bearer token sent in Authorization (empty: header still sent, as "Bearer ")
--   BENCH_TOP_K    top_k argument (default 3)
--
-- Prints, from done(), one machine-readable line (latencies in microseconds):
--   RESULT rps=.. p50_us=.. p90_us=.. p99_us=.. p999_us=.. mean_us=.. max_us=.. requests=..
--          responses=.. duration_s=.. non2xx=.. errors=.. connect=.. read=.. write=.. timeout=..
--          status=..
-- non2xx counts responses whose status is outside 200..299 (counted here, in response());
-- errors = connect + read + write + timeout (wrk's socket errors); status is wrk's own count
-- of non-2xx/3xx responses.

local queries_path = os.getenv("BENCH_QUERIES")
local token = os.getenv("BENCH_TOKEN") or ""
local top_k = tonumber(os.getenv("BENCH_TOP_K") or "3") or 3

-- main Lua state: the thread handles, for done()
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

-- per-thread Lua state (each wrk thread has its own): prebuilt requests and counters
local reqs = {}
local n = 0
local i = 0
non2xx = 0     -- globals: read back with thread:get() in done()
responses = 0

function init(args)
  assert(queries_path and queries_path ~= "", "tools_call.lua: BENCH_QUERIES is not set")
  local f = assert(io.open(queries_path, "r"))
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }
  for line in f:lines() do
    if line ~= "" then
      local body = '{"function":"search_corpus","arguments":{"query":' .. line
                   .. ',"top_k":' .. top_k .. '}}'
      n = n + 1
      reqs[n] = wrk.format("POST", "/v1/tools/call", headers, body)
    end
  end
  f:close()
  assert(n > 0, "tools_call.lua: no queries in " .. queries_path)
  -- stagger the threads so they do not send the same query at the same moment
  i = (((tid or 1) - 1) * 31) % n
end

function request()
  i = i % n + 1
  return reqs[i]
end

function response(status, headers, body)
  responses = responses + 1
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local bad, got = 0, 0
  for _, t in ipairs(threads) do
    bad = bad + (tonumber(t:get("non2xx")) or 0)
    got = got + (tonumber(t:get("responses")) or 0)
  end
  local secs = summary.duration / 1e6
  local e = summary.errors
  local sock = e.connect + e.read + e.write + e.timeout
  io.write(string.format(
    "RESULT rps=%.2f p50_us=%d p90_us=%d p99_us=%d p999_us=%d mean_us=%.1f max_us=%d"
    .. " requests=%d responses=%d duration_s=%.3f non2xx=%d errors=%d"
    .. " connect=%d read=%d write=%d timeout=%d status=%d\n",
    secs > 0 and summary.requests / secs or 0,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.mean, latency.max,
    summary.requests, got, secs, bad, sock,
    e.connect, e.read, e.write, e.timeout, e.status))
end
