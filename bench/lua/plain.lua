-- GET the URL as is, from many client addresses
function request()
  return wrk.format("GET", nil, { ["X-Forwarded-For"] = next_client_ip() })
end
