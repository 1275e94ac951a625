-- wrk script: POST /v1/batch with BENCH_BATCH realistic events per request, unique messageIds.
local batch = tonumber(os.getenv("BENCH_BATCH") or "100")
local users = tonumber(os.getenv("BENCH_USERS") or "100000")
local run = os.getenv("BENCH_RUN") or "run"
local path = batch > 1 and "/v1/batch" or "/v1/track"
local names = {"Product Viewed", "Product Viewed", "Product Added", "Order Completed", "Email Opened"}
local threads_started = 0

function setup(thread)
  threads_started = threads_started + 1
  thread:set("thread_id", threads_started)
end

function init(args)
  counter = 0
  math.randomseed(os.time() + (thread_id or 0) * 7919)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Basic " .. os.getenv("BENCH_AUTH")
end

local function event()
  counter = counter + 1
  return string.format(
    '{"type":"track","userId":"user-%d","event":"%s","properties":{"revenue":%d,"sku":"sku-%d","category":"c%d"},"messageId":"%s-%d-%d"}',
    math.random(1, users), names[math.random(#names)], math.random(5, 200), math.random(1, 500), math.random(1, 12),
    run, thread_id or 0, counter)
end

function request()
  if batch == 1 then
    return wrk.format(nil, path, nil, event())
  end
  local parts = {}
  for i = 1, batch do parts[i] = event() end
  return wrk.format(nil, path, nil, '{"batch":[' .. table.concat(parts, ",") .. ']}')
end

function done(summary, latency, requests)
  io.write(string.format("BENCH_RESULT requests=%d errors_status=%d errors_connect=%d duration_us=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.errors.status, summary.errors.connect, summary.duration,
    latency:percentile(50), latency:percentile(99)))
end
