-- paced.lua: paths.lua with a pause of BENCH_DELAY_MS milliseconds before each request of a
-- connection, so that few connections send a known share of a mixed load (contrib/bench/run's
-- mixed row: the heavy requests beside the desk's lookups).
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local paths, headers
local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "0")

setup = common.setup

function init(args)
  paths = common.lines(os.getenv("BENCH_PATHS"))
  headers = common.headers(false)
  math.randomseed(2000 + thread_no)
end

function request()
  return wrk.format("GET", paths[math.random(#paths)], headers)
end

function delay()
  return pause
end

function done(summary, latency, requests)
  common.done(summary, latency)
end
