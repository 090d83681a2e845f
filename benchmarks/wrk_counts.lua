-- wrk script: every request is a new single crossing-count submission (POST /api/crossings/counts).
-- Usage: wrk -t2 -c16 -d10s --latency -s wrk_counts.lua http://127.0.0.1:PORT -- TOKEN CHECKPOINT_ID YYYY-MM-DD
-- Each thread numbers its submissions; client_uuid = random salt + thread + number, so no two
-- requests of a run (or of two runs) share a UUID. done() prints one JSON line for bench_ingest.py.
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  token, checkpoint, day = args[1], args[2], args[3]
  math.randomseed(os.time() * 1000 + tid)
  salt = string.format("%08x", math.random(0, 0x7fffffff))
  counter, created, other = 0, 0, 0
  headers = {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}
end

function request()
  counter = counter + 1
  local uuid = string.format("%s-%04x-4000-8000-%012x", salt, tid, counter)
  local minute = (counter % 288) * 5
  local body = string.format(
    '{"client_uuid":"%s","checkpoint_id":%s,"direction":"out","bucket_start":"%sT%02d:%02d:00+00:00",' ..
    '"bucket_minutes":5,"women":%d,"men":%d,"children":%d,"older_people":%d,"wounded":%d}',
    uuid, checkpoint, day, math.floor(minute / 60), minute % 60,
    counter % 7, counter % 5, counter % 11, counter % 3, counter % 2)
  return wrk.format("POST", "/api/crossings/counts", headers, body)
end

function response(status, headers, body)
  if status == 201 then created = created + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local c, o = 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created")
    o = o + t:get("other")
  end
  io.write(string.format(
    '{"created": %d, "other": %d, "requests": %d, "duration_s": %.6f, "p50_ms": %.3f, "p99_ms": %.3f, ' ..
    '"max_ms": %.3f, "socket_errors": %d}\n',
    c, o, summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
