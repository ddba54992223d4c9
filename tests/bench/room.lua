-- wrk: a live room's viewers. Each request is a room state poll with the ETag last seen (as the room
-- page sends it), or, for WHIEDA_BEAT_SHARE of them, a presence beat with one of the room tokens.
local tokens, n, share, presence, etag = {}, 0, 0, "", nil
local threads = 0

function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

function init(args)
  for line in io.lines(os.getenv("WHIEDA_TOKENS")) do tokens[#tokens + 1] = line end
  share = tonumber(os.getenv("WHIEDA_BEAT_SHARE"))
  presence = "/whieda-api/v1/rooms/" .. os.getenv("WHIEDA_WEBINAR") .. "/presence"
  n = id * 1000
  math.randomseed(os.time() + id)
end

function request()
  if math.random() < share then
    n = n % #tokens + 1
    return wrk.format("POST", presence, {["Content-Type"] = "application/json"},
      '{"token":"' .. tokens[n] .. '","session_id":"bench"}')
  end
  if etag then
    return wrk.format("GET", nil, {["If-None-Match"] = etag})
  end
  return wrk.format("GET")
end

function response(status, headers, body)
  if headers["ETag"] then etag = headers["ETag"] end
end
