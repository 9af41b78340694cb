-- POST a refresh token and chain: each 200 answer's refresh_token goes back in the queue,
-- so every request rotates a live token. args[1] holds more tokens than connections: wrk
-- calls request() once more than it sends, to check the script.
local queue
local head = 1
local tail = 0

function init(args)
  queue = read_lines(args[1])
  tail = #queue
end

function request()
  local token = "exhausted"
  if head <= tail then
    token = queue[head]
    queue[head] = nil
    head = head + 1
  end
  -- When a chain broke (non-200) the dead token makes the failure show as a non-2xx
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["X-Forwarded-For"] = next_client_ip(),
  }, '{"refresh_token":"' .. token .. '"}')
end

function response(status, headers, body)
  count_status(status)
  if status == 200 then
    local token = body:match('"refresh_token"%s*:%s*"([^"]+)"')
    if token then
      tail = tail + 1
      queue[tail] = token
    end
  end
end
