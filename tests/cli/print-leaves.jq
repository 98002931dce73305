# One line per scalar leaf of a "kinspect --json print" result:
# EXPRESSION <tab> KIND <tab> VALUE, where KIND is n (number), s (string) or
# b (bool); null (unreadable) leaves are left out.  A scalar value is its
# own single leaf.
.expression as $e
| .value
| ((if type == "object" or type == "array" or type == "null" then empty else [] end),
   paths(type == "number" or type == "string" or type == "boolean")) as $p
| getpath($p) as $v
| [$e + ($p | map(if type == "number" then "[\(.)]" else ".\(.)" end) | join("")),
   ($v | if type == "number" then "n" elif type == "boolean" then "b" else "s" end),
   ($v | tostring)]
| @tsv
