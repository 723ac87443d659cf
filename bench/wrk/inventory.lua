-- One wrk script for every scenario of bench/run.py. Arguments after "--":
--   scenario  get_one | list_page | filtered_page | deep_page | create | patch | mixed
--   token     a bearer token ("-" for none: the framework floor)
--   max_id    ids 1..max_id exist
--   last_page the last page of 50 (deep_page)
--   area      the US area code whose numbers `create` uses, distinct per dataset
-- done() prints one line "BENCH_JSON {...}" with the counts of every status, read by bench/run.py.

local threads = {}
local started = 0

function setup(thread)
  started = started + 1
  thread:set("thread_index", started)
  table.insert(threads, thread)
end

function init(args)
  scenario, max_id, last_page, area = args[1], tonumber(args[3]), tonumber(args[4]), args[5]
  headers = { ["Content-Type"] = "application/json" }
  if args[2] ~= "-" then
    headers["Authorization"] = "Bearer " .. args[2]
  end
  math.randomseed(thread_index * 7919 + os.time())
  statuses = {}
  created = 0
end

local function get_one()
  return wrk.format("GET", "/api/v1/numbers/" .. math.random(max_id), headers)
end

local function patch_one()
  local body = string.format('{"setupPrice": "%d.%02d"}', math.random(0, 999), math.random(0, 99))
  return wrk.format("PATCH", "/api/v1/numbers/" .. math.random(max_id), headers, body)
end

local function create_one()
  -- Distinct valid US numbers: each thread its own exchange block (any exchange 200-999 is valid).
  created = created + 1
  local line = 2000000 + thread_index * 1000000 + created
  local body = string.format(
    '{"value": "+1%s%07d", "monthyPrice": "0.03", "setupPrice": "3.40", "currency": "U$"}', area, line)
  return wrk.format("POST", "/api/v1/numbers", headers, body)
end

local builders = {
  get_one = get_one,
  list_page = function() return wrk.format("GET", "/api/v1/numbers?page=1&per_page=50", headers) end,
  -- The supervisor's table: a currency and a price ceiling, dearest first, first keyset page.
  filtered_page = function()
    return wrk.format(
      "GET", "/api/v1/numbers?currency=BRL&monthyPrice_max=10&sort=-monthyPrice&per_page=50&cursor=", headers)
  end,
  deep_page = function()
    return wrk.format("GET", "/api/v1/numbers?page=" .. last_page .. "&per_page=50", headers)
  end,
  create = create_one,
  patch = patch_one,
  mixed = function()
    if math.random() < 0.9 then return get_one() end
    return patch_one()
  end,
}

function request()
  return builders[scenario]()
end

function response(status, _, _)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, _)
  local merged = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      merged[status] = (merged[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(merged) do
    table.insert(parts, string.format('"%d": %d', status, count))
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, '
      .. '"socket_errors": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    errors.connect + errors.read + errors.write + errors.timeout, table.concat(parts, ", ")))
end
