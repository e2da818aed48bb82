-- wrk script for bench/run.sh: prints one JSON line (prefixed BENCH_JSON) with req/s,
-- latency percentiles and error counts, so nothing has to parse wrk's human output.
--
-- BENCH_PATHS_FILE (optional): a file with one request path per line; requests cycle
-- through them (status of many different recordings rather than one cached row).
-- Requests are formatted once in init(), so request() costs wrk next to nothing.

local requests = nil
local next_index = 1

function init(args)
    local file = os.getenv("BENCH_PATHS_FILE")
    if file == nil or file == "" then return end
    requests = {}
    for path in io.lines(file) do
        if path ~= "" then requests[#requests + 1] = wrk.format("GET", path) end
    end
    -- Threads start at different places in the list.
    next_index = (math.random(1, #requests))
end

-- Defined only with a paths file: without request(), wrk sends its one static request.
if os.getenv("BENCH_PATHS_FILE") ~= nil and os.getenv("BENCH_PATHS_FILE") ~= "" then
    function request()
        local r = requests[next_index]
        next_index = next_index % #requests + 1
        return r
    end
end

function done(summary, latency, _)
    local e = summary.errors
    local seconds = summary.duration / 1e6
    io.write(string.format(
        'BENCH_JSON {"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,' ..
        '"non2xx":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d}\n',
        summary.requests, seconds, summary.requests / seconds,
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
        e.status, e.connect, e.read, e.write, e.timeout))
end
