-- common.lua: what the wrk scripts of contrib/bench/run share, loaded by each with dofile.
-- The run script passes everything through the environment:
--   BENCH_COOKIE   the session cookie ("hylla_session=..."), sent with every request
--   BENCH_CSRF     the session's CSRF token, sent with every POST
--   BENCH_THREADS  wrk's -t, so that each thread can take its own share of a list
local common = {}

-- The lines of a file, without empty ones.
function common.lines(path)
  local out = {}
  local f = assert(io.open(path, "r"), "cannot read " .. tostring(path))
  for line in f:lines() do
    if line ~= "" then out[#out + 1] = line end
  end
  f:close()
  assert(#out > 0, path .. " is empty")
  return out
end

-- The headers of a request as the desk's browser sends them after logging in (no cookie when
-- BENCH_COOKIE is empty: a visitor of the public site).
function common.headers(post)
  local h = {}
  local cookie = os.getenv("BENCH_COOKIE")
  if cookie and cookie ~= "" then h["Cookie"] = cookie end
  if post then
    h["X-CSRF-Token"] = os.getenv("BENCH_CSRF")
    h["Content-Type"] = "application/json"
  end
  return h
end

-- setup() runs in wrk's main state once per thread: number the threads and keep them, so that
-- done() can read what each counted.
local threads = {}
function common.setup(thread)
  thread:set("thread_no", #threads)
  threads[#threads + 1] = thread
end

-- Print the run as one line of JSON that contrib/bench/run reads: requests, time, latency
-- percentiles in microseconds, errors, and the named counters each thread kept.
function common.done(summary, latency, counters)
  local sums = {}
  for _, name in ipairs(counters or {}) do
    sums[name] = 0
    for _, t in ipairs(threads) do sums[name] = sums[name] + (t:get(name) or 0) end
  end
  local e = summary.errors
  local parts = {
    string.format('"requests":%d,"duration_us":%d', summary.requests, summary.duration),
    string.format('"p50_us":%d,"p99_us":%d,"max_us":%d', latency:percentile(50),
                  latency:percentile(99), latency.max),
    string.format('"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}',
                  e.connect, e.read, e.write, e.status, e.timeout),
  }
  for name, n in pairs(sums) do parts[#parts + 1] = string.format('"%s":%d', name, n) end
  io.write("BENCH {" .. table.concat(parts, ",") .. "}\n")
end

return common
