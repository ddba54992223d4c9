-- wrk: the recording's viewers. Each request is one viewer's progress heartbeat with its viewer token;
-- the two threads take every other viewer, and each round over them reports 10 s further on.
local tokens, i, round, threads = {}, 0, 1, 0

function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

function init(args)
  for line in io.lines(os.getenv("WHIEDA_TOKENS")) do tokens[#tokens + 1] = line end
  i = id + 1
end

function request()
  i = i + 2
  if i > #tokens then
    i = id + 1
    round = round + 1
  end
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"},
    '{"token":"' .. tokens[i] .. '","position":' .. (10 * round) .. '}')
end
