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

local threads_made = 0

function setup(thread)
  -- runs in the main Lua state: give each thread its own tag (a global there)
  threads_made = threads_made + 1
  thread:set("thread_tag", "t" .. threads_made)
end

-- Every request is built once, in init: the load generator shares the machine with the server,
-- and building a body per request (string concatenation in Lua) cost wrk more CPU per AUTO
-- request than a /healthz request costs it, which skewed the AUTO / healthz ratio.
local requests = {}
local counter = 0

function init(args)
  thread_tag = thread_tag or "t0"
  local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key }
  for n = 0, 9999 do
    local body = '{"agent":"' .. agent .. '","operation":"lookup_order","confidence":0.97,' ..
      '"subject":"customer-' .. thread_tag .. '-' .. n .. '",' ..
      '"action":"Look up order A-' .. n .. ' for the customer",' ..
      '"reasoning":"The customer asked where the order is",' ..
      '"context":{"order_id":"A-' .. n .. '"}}'
    requests[n] = wrk.format("POST", "/v1/proposals", headers, body)
  end
end

function request()
  local r = requests[counter % 10000]
  counter = counter + 1
  return r
end
