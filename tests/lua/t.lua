-- tests/lua/t.lua - the few helpers the Lua API tests share (not a test
-- itself).  Each check counts; t.done() prints "N checks passed".
local t = { n = 0 }

function t.eq(id, got, want)
  if got ~= want then
    error(string.format("%s: got %s, expected %s", id, tostring(got), tostring(want)), 2)
  end
  t.n = t.n + 1
end

function t.ok(id, cond, msg)
  if not cond then error(id .. ": " .. (msg or "check failed"), 2) end
  t.n = t.n + 1
end

-- f(...) must raise an error whose message contains `pat` (plain text), or
-- every string of `pat` when it is a list.
function t.raises(id, pat, f, ...)
  local pats = type(pat) == "table" and pat or { pat }
  local ok, err = pcall(f, ...)
  if ok then
    error(id .. ": no error, expected one containing '" .. table.concat(pats, "', '") .. "'", 2)
  end
  for _, p in ipairs(pats) do
    if not tostring(err):find(p, 1, true) then
      error(string.format("%s: error '%s' does not contain '%s'", id, tostring(err), p), 2)
    end
  end
  t.n = t.n + 1
  return err
end

function t.done()
  print(string.format("%d checks passed", t.n))
end

return t
