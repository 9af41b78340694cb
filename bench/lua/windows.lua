-- Counts responses per 5-second window of the run. init() waits for the next whole
-- second (os.time() only has seconds) so that window 0 starts when wrk starts its clock.
local bearer_init = init
local started

function init(args)
  bearer_init(args)
  local now = os.time()
  while os.time() == now do end
  started = os.time()
end

function response(status, headers, body)
  count_status(status)
  if status >= 200 and status < 300 then
    local index = math.floor((os.time() - started) / 5)
    windows[index] = (windows[index] or 0) + 1
  end
end
