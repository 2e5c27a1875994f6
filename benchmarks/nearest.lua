-- wrk script body for the nearest benchmark: GET /api/v1/nearest?lat=&lon= at a fixed list of
-- positions. Not run on its own: nearest.py writes a script into a temporary directory that
-- defines, above this body,
--   POSITIONS  "lat lon" lines (benchmarks/positions.py, the same list for every server)
--   PICK       "sequence": each thread walks the list in order from its own starting point;
--              "random": each thread draws positions at random (fixed seed per thread)
--   THREADS    wrk's -t, to space the threads' starting points evenly
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("id", thread_count)
end

function init(args)
  -- Each thread has its own Lua state: parse the list and format every request once.
  requests = {}
  for lat, lon in POSITIONS:gmatch("(%S+) (%S+)") do
    requests[#requests + 1] = wrk.format("GET", "/api/v1/nearest?lat=" .. lat .. "&lon=" .. lon)
  end
  count = #requests
  -- (wrk calls request() once in thread 1 to check the script: thread 1 starts one further.)
  next_index = math.floor((id - 1) * count / THREADS)
  math.randomseed(1000 + id)
end

request = function()
  if PICK == "random" then
    return requests[math.random(count)]
  end
  next_index = next_index % count + 1
  return requests[next_index]
end
