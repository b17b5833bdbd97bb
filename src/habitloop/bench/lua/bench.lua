-- One wrk script for every scenario of `habitloop bench`.
-- Arguments after `--`: mode, file, threads, day, token
--   mode    ceiling | plans | feedback | batch | profile
--   file    plans, profile: one user id a line; feedback, batch: "user_id item_id date" a line;
--           "-" for ceiling
--   threads wrk's -t: each thread takes every threads-th line, so no two threads share a line
--   day     plans: the first date to plan, as days since 1970-01-01; profile: the as_of date
--   token   a service-role bearer token
-- done() prints one line "BENCH {json}": wrk's --latency table has no p95, and every thread
-- counts its own statuses in its own Lua state, so they are summed from the thread objects.

local threads = {}
local next_id = 0
local BATCH = 100
local STATUSES = { "completed", "partial", "skipped" }

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local function split(line)
  local fields = {}
  for field in line:gmatch("%S+") do table.insert(fields, field) end
  return fields
end

local function iso(days)
  return os.date("!%Y-%m-%d", days * 86400)
end

function init(args)
  mode, file, day = args[1], args[2], tonumber(args[4])
  local count = tonumber(args[3])
  wrk.headers["Authorization"] = "Bearer " .. args[5]
  wrk.headers["Content-Type"] = "application/json"
  lines = {}
  if file ~= "-" then
    local n = 0
    for line in io.lines(file) do
      if n % count == id then table.insert(lines, split(line)) end
      n = n + 1
    end
  end
  sent, statuses, failed_events, wrapped, samples = 0, {}, 0, 0, {}
end

local function answer(fields, k)
  return string.format(
    '{"user_id":"%s","plan_item_id":"%s","status":"%s","satisfaction_rating":%d,'
      .. '"occurred_at":"%sT20:00:00+00:00"}',
    fields[1], fields[2], STATUSES[k % 3 + 1], k % 5 + 1, fields[3])
end

-- Answers walk the thread's lines once; a run that reaches their end starts over, and the
-- repeated answers (duplicates or changed answers) are counted so the report can say so.
local function line(k)
  if k > #lines then wrapped = wrapped + 1 end
  return lines[(k - 1) % #lines + 1]
end

local builders = {
  ceiling = function()
    return wrk.format("GET", "/")
  end,
  profile = function()
    local user = lines[sent % #lines + 1][1]
    return wrk.format("GET", "/api/v1/feedback/profile/" .. user .. "?as_of=" .. iso(day))
  end,
  plans = function()
    local user = lines[sent % #lines + 1][1]
    local date = iso(day + math.floor(sent / #lines))
    return wrk.format("POST", "/api/v1/users/" .. user .. "/plans", nil,
      '{"date":"' .. date .. '"}')
  end,
  feedback = function()
    return wrk.format("POST", "/api/v1/feedback/task", nil, answer(line(sent + 1), sent))
  end,
  batch = function()
    local events = {}
    for k = 1, BATCH do events[k] = answer(line(sent + k), sent + k) end
    return wrk.format("POST", "/api/v1/feedback/batch", nil,
      '{"events":[' .. table.concat(events, ",") .. ']}')
  end,
}

function request()
  local built = builders[mode]()
  sent = sent + ((mode == "batch") and BATCH or 1)
  return built
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if mode == "batch" and status == 200 then
    failed_events = failed_events + tonumber(body:match('"failed":(%d+)') or "0")
  end
  if (status < 200 or status > 299) and #samples < 3 then
    table.insert(samples, status .. " " .. body:sub(1, 300))
  end
end

local function quote(text)
  return '"' .. text:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end

function done(summary, latency, requests)
  local counts, per_thread, bad, failed, repeated = {}, {}, {}, 0, 0
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + n
    end
    table.insert(per_thread, thread:get("sent"))
    failed = failed + thread:get("failed_events")
    repeated = repeated + thread:get("wrapped")
    for _, sample in ipairs(thread:get("samples")) do table.insert(bad, quote(sample)) end
  end
  local parts = {}
  for status, n in pairs(counts) do table.insert(parts, string.format('"%d":%d', status, n)) end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"bytes":%d,"statuses":{%s},'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"latency_us":{"min":%d,"mean":%.1f,"p50":%d,"p90":%d,"p95":%d,"p99":%d,"max":%d},'
      .. '"sent":[%s],"failed_events":%d,"repeated_answers":%d,"bad_samples":[%s]}\n',
    summary.requests, summary.duration, summary.bytes, table.concat(parts, ","),
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency.max,
    table.concat(per_thread, ","), failed, repeated, table.concat(bad, ",")))
end
