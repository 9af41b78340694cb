-- Shared by every scenario script (prepended by bench/lib/wrk.ts).
-- Requests come from many client addresses: the server trusts one proxy hop, so per-IP
-- rate limits see a crowd of clients instead of one address hammering it.
local client_ips = {}
for i = 1, 1000 do
  client_ips[i] = "10.77." .. math.floor(i / 250) .. "." .. (i % 250 + 1)
end
local ip_cursor = 0

function next_client_ip()
  ip_cursor = ip_cursor % #client_ips + 1
  return client_ips[ip_cursor]
end

function read_lines(path)
  local lines = {}
  for line in io.lines(path) do
    if line ~= "" then lines[#lines + 1] = line end
  end
  return lines
end

local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

-- Counts of responses per 5-second window, filled by scripts that track windows
windows = {}
-- Counts of failed responses per status, filled by scripts that read responses
statuses = {}

function count_status(status)
  if status < 200 or status > 299 then statuses[status] = (statuses[status] or 0) + 1 end
end

local function merge(name)
  local merged = {}
  for _, thread in ipairs(threads) do
    for key, count in pairs(thread:get(name) or {}) do
      merged[key] = (merged[key] or 0) + count
    end
  end
  local parts = {}
  for key, count in pairs(merged) do
    parts[#parts + 1] = '"' .. key .. '":' .. count
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

-- One machine-readable line for the harness: totals, latency percentiles, error counts
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"non2xx":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,"windows":%s,"statuses":%s}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.status, e.connect, e.read, e.write, e.timeout,
    merge("windows"), merge("statuses")))
end
