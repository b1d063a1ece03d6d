# One EDN op map a line (Porcupine's 6.824 kv and Jepsen register shapes) to a JSONL history
# without a "run" line, the operations in the same order (t = the line's position).
function field(name,   m) {
  if (match($0, ":" name " (\"([^\"\\\\]|\\\\.)*\"|\\[[^]]*\\]|[^,}]+)")) {
    m = substr($0, RSTART + length(name) + 2, RLENGTH - length(name) - 2)
    return m
  }
  return ""
}
function json(v) { if (v == "nil" || v == "") return "null"; if (v ~ /^"/) return v; return "\"" v "\"" }
{
  proc = field("process"); type = field("type"); f = field("f"); key = field("key"); v = field("value")
  sub(/^:/, "", type); sub(/^:/, "", f)
  if (key == "") key = "\"register\""
  op = f; if (f == "read") op = "get"; if (f == "write") op = "put"
  line = "{\"t\":" NR ".0,\"type\":\"" type "\",\"process\":\"" proc "\",\"op\":\"" op "\",\"key\":" key
  if (type == "invoke") {
    if (f == "cas") { split(substr(v, 2, length(v) - 2), cv, " "); line = line ",\"expected\":" json(cv[1]) ",\"value\":" json(cv[2]) }
    else if (op != "get") line = line ",\"value\":" json(v)
  } else if (type == "ok") {
    line = line ",\"status\":\"SUCCESS\""
    if (op == "get") line = line ",\"value\":" json(v)
  } else if (type == "fail" && f == "cas") {
    line = "{\"t\":" NR ".0,\"type\":\"ok\",\"process\":\"" proc "\",\"op\":\"cas\",\"key\":" key ",\"status\":\"CAS MISMATCH\""
  }
  print line "}"
}
