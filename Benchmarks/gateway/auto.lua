-- wrk script: POST /v1/proposals with a high-confidence lookup_order proposal
-- (verdict `auto`), authenticated as the agent.
--
--   COUNTERSIGN_AGENT_KEY=... COUNTERSIGN_AGENT_NAME=trial-agent \
--     wrk -t2 -c64 -d15s -s Benchmarks/gateway/auto.lua http://127.0.0.1:18080
--
-- No idempotency_key: every request is a new proposal. The subject varies over
-- 10,000 customers per thread so per-subject rules see realistic histories.
-- Non-2xx answers are counted by wrk itself ("Non-2xx or 3xx responses").

local key = os.getenv("COUNTERSIGN_AGENT_KEY")
if key == nil or key == "" then
  -- error() only stops this Lua state and wrk would go on sending GET /: stop wrk itself
  io.stderr:write("auto.lua: set COUNTERSIGN_AGENT_KEY to the agent key\n")
  os.exit(2)
end
local agent = os.getenv("COUNTERSIGN_AGENT_NAME") or "trial-agent"

local counter = 0
local threads_made = 0

function setup(thread)
  -- runs in the main Lua state: give each thread its own tag (a global there)
  threads_made = threads_made + 1
  thread:set("thread_tag", "t" .. threads_made)
end

function init(args)
  thread_tag = thread_tag or "t0"
  wrk.method = "POST"
  wrk.path = "/v1/proposals"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. key
end

function request()
  counter = counter + 1
  local n = counter % 10000
  local body = '{"agent":"' .. agent .. '","operation":"lookup_order","confidence":0.97,' ..
    '"subject":"customer-' .. thread_tag .. '-' .. n .. '",' ..
    '"action":"Look up order A-' .. n .. ' for the customer",' ..
    '"reasoning":"The customer asked where the order is",' ..
    '"context":{"order_id":"A-' .. n .. '"}}'
  return wrk.format(nil, nil, nil, body)
end
