-- tokens.lua - wrk script: GET /v1/me/claims with a random creditor token
-- from the file named by the TOKENS environment variable (one per line).
local tokens = {}
for line in io.lines(os.getenv("TOKENS")) do tokens[#tokens + 1] = line end
math.randomseed(os.time())
request = function()
  local t = tokens[math.random(#tokens)]
  return wrk.format("GET", "/v1/me/claims", {["Authorization"] = "Bearer " .. t})
end
