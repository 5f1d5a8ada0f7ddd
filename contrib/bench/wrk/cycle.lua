-- cycle.lua: the desk's lend-and-return cycle. Each wrk thread owns its share of the lines of
-- BENCH_PAIRS ("ITEM-CODE BORROWER-ID": an available item and a borrower of its branch) and
--   lends an item of its share that is back on the shelf: POST /api/checkouts,
--   returns an item whose checkout has been answered:  POST /api/returns,
-- one after the other, so that returns keep pace with checkouts. An item goes back to its share
-- only when the answer to its return says it was returned, so a checkout and the return of the
-- same item are never in flight at once, whichever connection carries them. Every answered
-- return is one cycle (counted in "cycles"); an answer that is not the expected one counts in
-- "refused". With BENCH_LIMIT=1 (against mhd-limit, whose answers name no item) it only
-- alternates the same two requests over the share, and a cycle is two answers. Each checkout
-- carries an Idempotency-Key of its own, as the desk sends one with every checkout.
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local shelf, lent = {}, {}     -- queues of indices into pairs
local pairs_, index_of = {}, {}
local headers, lend_headers, blind, key_prefix
local keys = 0
local lending_next = true
local sent, answered = 0, 0

setup = common.setup
cycles, checkouts, refused = 0, 0, 0

function init(args)
  local all = common.lines(os.getenv("BENCH_PAIRS"))
  local threads = tonumber(os.getenv("BENCH_THREADS"))
  for i, line in ipairs(all) do
    if (i - 1) % threads == thread_no then
      local code, borrower = line:match("^(%S+)%s+(%d+)$")
      pairs_[#pairs_ + 1] = { code = code, borrower = borrower }
      index_of[code] = #pairs_
      shelf[#shelf + 1] = #pairs_
    end
  end
  headers = common.headers(true)
  lend_headers = common.headers(true) -- and the key, set for each checkout
  key_prefix = string.format("bench-%d-%d-", os.time(), thread_no)
  blind = os.getenv("BENCH_LIMIT") == "1"
end

local function checkout(p)
  keys = keys + 1
  lend_headers["Idempotency-Key"] = key_prefix .. keys
  return wrk.format("POST", "/api/checkouts", lend_headers,
                    '{"borrower_id":' .. p.borrower .. ',"items":["' .. p.code .. '"]}')
end

local function give_back(p)
  return wrk.format("POST", "/api/returns", headers, '{"items":["' .. p.code .. '"]}')
end

function request()
  if blind then
    lending_next = not lending_next
    local p = pairs_[1 + (sent % #pairs_)]
    sent = sent + 1
    if lending_next then return give_back(p) end
    return checkout(p)
  end
  -- Lend and return in turn while both are possible; otherwise whichever is.
  local lend = #shelf > 0 and (lending_next or #lent == 0)
  lending_next = not lend
  if lend then return checkout(pairs_[table.remove(shelf, 1)]) end
  -- With more pairs per thread than connections, one of the queues has an item.
  assert(#lent > 0, "every item of this thread is in flight or was refused")
  return give_back(pairs_[table.remove(lent, 1)])
end

function response(status, headers, body)
  if blind then
    if status == 200 then answered = answered + 1 else refused = refused + 1 end
    cycles = math.floor(answered / 2)
    return
  end
  local code = body:match('"code":%s*"([^"]+)"')
  local i = code and index_of[code]
  if status == 201 and i then
    checkouts = checkouts + 1
    lent[#lent + 1] = i
  elseif status == 200 and i and body:find('"returned":%s*true') then
    cycles = cycles + 1
    shelf[#shelf + 1] = i
  else
    refused = refused + 1
    if refused <= 3 then io.stderr:write("unexpected answer ", status, ": ", body:sub(1, 300), "\n") end
  end
end

function done(summary, latency, requests)
  common.done(summary, latency, { "cycles", "checkouts", "refused" })
end
