-- wrk script: GET /api/v1/nearest at a random point in the England and Wales inland box
-- (lat 51.4 to 53.6, lon -3.0 to 0.0), the same box pgbench's script samples.
math.randomseed(42)
request = function()
  local lat = 51.4 + math.random() * 2.2
  local lon = -3.0 + math.random() * 3.0
  return wrk.format("GET", string.format("/api/v1/nearest?lat=%.5f&lon=%.5f", lat, lon))
end
