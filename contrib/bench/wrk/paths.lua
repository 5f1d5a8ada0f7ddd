-- paths.lua: GET requests with the session cookie, each to a path drawn at random from the file
-- named by BENCH_PATHS (one path with its query per line). Used for the item lookup, the search
-- and the statistics summary, against hylla and against mhd-limit alike. With BENCH_DELAY_MS, a
-- connection pauses that long before each request, so that few connections send a known share
-- of a mixed load (the mixed row's heavy requests beside the desk's lookups).
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local paths, headers

setup = common.setup

function init(args)
  paths = common.lines(os.getenv("BENCH_PATHS"))
  headers = common.headers(false)
  math.randomseed(1000 + thread_no)
end

function request()
  return wrk.format("GET", paths[math.random(#paths)], headers)
end

local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
if pause > 0 then
  function delay()
    return pause
  end
end

function done(summary, latency, requests)
  common.done(summary, latency)
end
