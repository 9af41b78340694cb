-- POST email + password, cycling through the accounts in args[1]; args[2] is the password
local emails
local password
local cursor = 0

function init(args)
  emails = read_lines(args[1])
  password = args[2]
end

function request()
  cursor = cursor % #emails + 1
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["X-Forwarded-For"] = next_client_ip(),
  }, '{"email":"' .. emails[cursor] .. '","password":"' .. password .. '"}')
end
