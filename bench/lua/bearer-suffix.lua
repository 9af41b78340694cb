-- GET the URL with each line of args[2] appended in turn (e.g. a search term after "?email="),
-- with the bearer token in args[1] (an access token or an admin API key)
local token
local suffixes
local cursor = 0

function init(args)
  token = read_lines(args[1])[1]
  suffixes = read_lines(args[2])
end

function request()
  cursor = cursor % #suffixes + 1
  return wrk.format("GET", wrk.path .. suffixes[cursor], {
    ["Authorization"] = "Bearer " .. token,
    ["X-Forwarded-For"] = next_client_ip(),
  })
end
