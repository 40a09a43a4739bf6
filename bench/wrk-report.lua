-- For bench/load.sh: sends the bearer token from VAULT_BENCH_TOKEN (kept off the command line)
-- and prints one line the script parses: requests, duration, p50 and p99 in microseconds,
-- and the count of failed requests (socket errors, timeouts, statuses other than 2xx and 3xx).
local token = os.getenv("VAULT_BENCH_TOKEN")
if token and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
