-- wrk script for `make bench`: PUT pushes over 10,000 distinct, realistic grouping keys.
--
-- The paths are generated from a fixed seed, so every server and every run sees the very same
-- list: label order shuffled per path, about a quarter of the values base64url-encoded
-- (`name@base64/value`), some values percent-encoded (spaces, colons, non-ASCII).
-- Each request is formatted once in init(), so wrk spends its share of the 2 cores on sockets,
-- not on Lua. BENCH_PATHS overrides the count; BENCH_VERIFY=1 checks every answer is a 307 to a member,
-- BENCH_VERIFY=proxied that it is the upstream's 200 (slow: only for the short check run before the
-- measurement). BENCH_FIXED_PATH=/metrics/job/x pushes one group.

local FIXED = os.getenv("BENCH_FIXED_PATH") -- one path only (the Pushgateway's own push cost)
local N = FIXED and 1 or tonumber(os.getenv("BENCH_PATHS") or "10000")
local BODY = "# TYPE batch_last_success_seconds gauge\nbatch_last_success_seconds 1.7e9\n" ..
             "# TYPE batch_records_total counter\nbatch_records_total 12345\n"

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

-- base64url (RFC 4648 section 5) without padding, as a client library would send it.
local function base64url(s)
  local out, n = {}, #s
  for i = 1, n, 3 do
    local a, b, c = s:byte(i, i + 2)
    local v = a * 65536 + (b or 0) * 256 + (c or 0)
    local k = (b and 1 or 0) + (c and 1 or 0) + 2
    for j = 1, k do
      local idx = math.floor(v / 2 ^ (6 * (4 - j))) % 64
      out[#out + 1] = B64:sub(idx + 1, idx + 1)
    end
  end
  return table.concat(out)
end

-- Percent-encode everything but unreserved characters, as Go's url.PathEscape would.
local function pathEscape(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end

local JOBS = { "node_textfile", "batch-etl", "backup", "cron_cleanup", "billing_report",
               "ci-pipeline", "ml_training", "db-vacuum", "log-rotate", "cert_renewal" }
local ENVS = { "prod", "staging", "dev" }
local REGIONS = { "eu-west-1", "us-east-1", "ap-south-1", "eu-central-1" }
local TEAMS = { "payments", "search", "infra", "data", "mobile" }

local function shuffle(t)
  for i = #t, 2, -1 do
    local j = math.random(i)
    t[i], t[j] = t[j], t[i]
  end
end

-- One label segment pair: plain, percent-encoded or base64 (chosen at random, fixed by the seed).
-- A value holding '/' is always base64: the Pushgateway decodes %2F before routing, so a
-- percent-encoded slash would split the segment (that is what @base64 exists for).
local function segment(name, value)
  local r = math.random()
  if r < 0.25 or value:find("/", 1, true) then
    return "/" .. name .. "@base64/" .. base64url(value)
  end
  return "/" .. name .. "/" .. pathEscape(value)
end

function make_paths(n)
  math.randomseed(20240601)
  local paths = {}
  for i = 1, n do
    local job = JOBS[(i % #JOBS) + 1]
    local labels = {
      { "instance", string.format("host-%05d.%s.example.com:9100", i, REGIONS[math.random(#REGIONS)]) },
      { "env", ENVS[math.random(#ENVS)] },
      { "team", TEAMS[math.random(#TEAMS)] },
    }
    if math.random() < 0.5 then labels[#labels + 1] = { "region", REGIONS[math.random(#REGIONS)] } end
    if math.random() < 0.2 then labels[#labels + 1] = { "path", "/var/lib/backup/" .. i .. "/daily snapshot" } end
    if math.random() < 0.1 then labels[#labels + 1] = { "owner", "équipe data-" .. i } end
    shuffle(labels)
    local parts = { "/metrics" }
    if math.random() < 0.1 then
      parts[#parts + 1] = "/job@base64/" .. base64url(job)
    else
      parts[#parts + 1] = "/job/" .. job
    end
    for _, l in ipairs(labels) do parts[#parts + 1] = segment(l[1], l[2]) end
    paths[i] = table.concat(parts)
  end
  return paths
end

local threads, counter = {}, 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  threads[#threads + 1] = thread
end

local requests, next_req = {}, 1

function init(args)
  local paths = FIXED and { FIXED } or make_paths(N)
  -- wrk.format does not merge wrk.headers into a table given to it: the -H headers are added here.
  local headers = {}
  for k, v in pairs(wrk.headers) do headers[k] = v end
  headers["Content-Type"] = "text/plain; version=0.0.4"
  for i = 1, N do requests[i] = wrk.format("PUT", paths[i], headers, BODY) end
  -- Threads start at different places of the same list.
  next_req = ((id or 1) - 1) * math.floor(N / 2) + 1
  bad, seen = 0, 0
end

function request()
  local r = requests[next_req]
  next_req = next_req + 1
  if next_req > N then next_req = 1 end
  return r
end

local VERIFY = os.getenv("BENCH_VERIFY")
if VERIFY == "proxied" then
  -- Proxy mode: every answer must be the upstream's 200 (its X-Bench-Upstream header), passed back.
  function response(status, headers, body)
    seen = seen + 1
    if status ~= 200 or not (headers["X-Bench-Upstream"] or headers["x-bench-upstream"]) then
      bad = bad + 1
      if bad <= 3 then io.stderr:write("unexpected answer: ", status, " ", body or "", "\n") end
    end
  end
elseif VERIFY then
  -- Every answer must be a 307 to a loopback member carrying a push path.
  function response(status, headers, body)
    seen = seen + 1
    local loc = headers["Location"] or headers["location"] or ""
    if status ~= 307 or not loc:match("^http://127%.0%.0%.1:%d+/metrics/job") then
      bad = bad + 1
      if bad <= 3 then io.stderr:write("unexpected answer: ", status, " ", loc, " ", body or "", "\n") end
    end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  local verified, wrong = 0, 0
  for _, t in ipairs(threads) do
    verified = verified + (t:get("seen") or 0)
    wrong = wrong + (t:get("bad") or 0)
  end
  -- One machine-readable line for bench.sh; latencies in microseconds.
  io.write(string.format("BENCH requests=%d duration_us=%d errors=%d non3xx=%d p50_us=%d p99_us=%d verified=%d wrong=%d\n",
    summary.requests, summary.duration, errors, e.status, latency:percentile(50), latency:percentile(99),
    verified, wrong))
end
