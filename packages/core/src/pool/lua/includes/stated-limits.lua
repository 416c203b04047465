--[[
  Limits the provider stated, one hash per instance (<root>:limits:<instance>), each fact with its
  own expiry:
    "<name>:h" / "<name>:h@"   a limit its headers stated (x-ratelimit-limit-*), until (ms)
    "<name>:l" / "<name>:l@"   a limit learned from a 429 (the calls counted when it refused), until (ms)
    "rpm:g" / "rpm:g@"         not a limit: the most calls seen accepted in a minute window while
                               the rpm was unknown (see probing.lua), until (ms)
  name: rpm, tpm, rpd, tpd.

  The limit in force for a name, and its source:
    configured (the providers file)  >  header  >  the lower of catalog and learned  >  unknown (0)
  An operator's own figure stands; what the provider says about itself beats the catalog's
  documentation; a 429 below the catalog's figure shows the catalog is out of date for this key.
]]
local LIMIT_NAMES = { 'rpm', 'tpm', 'rpd', 'tpd' }
-- A header limit is restated on every answer that carries it; a day without one lets it go.
local HEADER_TTL = 86400000
-- A learned limit is a guess from one refusal: it lapses (an hour for a minute limit, two days for
-- a daily one) so that a limit the provider has raised is found again, not held down for ever.
local LEARNED_TTL = { m = 3600000, d = 2 * 86400000 }

-- { rpm = { h = 60, l = 40, g = 38 }, ... } with only the live facts.
local function readStated(key, now)
  local flat = rcall('HGETALL', key)
  local fields = {}
  for i = 1, #flat, 2 do fields[flat[i]] = tonumber(flat[i + 1]) end
  local stated = {}
  for _, name in ipairs(LIMIT_NAMES) do
    local s = {}
    for _, src in ipairs({ 'h', 'l', 'g' }) do
      local f = name .. ':' .. src
      if fields[f] and (fields[f .. '@'] or 0) > now then s[src] = fields[f] end
    end
    stated[name] = s
  end
  return stated
end

-- given: the instance's own figure (0 = none); givenSource: 'configured' or 'catalog'.
local function inForce(given, givenSource, s)
  if given > 0 and givenSource == 'configured' then return given, 'configured' end
  if s.h then return s.h, 'header' end
  if s.l and (given == 0 or s.l < given) then return s.l, 'learned' end
  if given > 0 then return given, givenSource end
  return 0, ''
end
