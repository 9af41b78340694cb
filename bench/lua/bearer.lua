-- GET with a bearer token, walking round-robin through the access tokens in args[1]
local tokens
local cursor = 0

function init(args)
  tokens = read_lines(args[1])
end

function request()
  cursor = cursor % #tokens + 1
  return wrk.format("GET", nil, {
    ["Authorization"] = "Bearer " .. tokens[cursor],
    ["X-Forwarded-For"] = next_client_ip(),
  })
end
