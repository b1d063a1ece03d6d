/* Private to trace/: a strict one-line JSON object scanner that also keeps the top-level members. */
#ifndef RS_JSON_LINE_H
#define RS_JSON_LINE_H

#include "trace/trace_reader.h"

#include <stdbool.h>
#include <stddef.h>

/* Nesting bound: our lines are flat, and garbage must not recurse without end. */
#define JSON_LINE_MAX_DEPTH 64

/* One top-level member, as found by the scan and (when asked) decoded. */
typedef struct json_member {
  const char *key, *key_end; /* raw span of the name, between its quotes */
  const char *val, *val_end; /* raw span of the value */
  trace_vkind kind;
  bool key_escaped, val_escaped;
  const char *name;          /* the decoded name (set by json_line_decode) */
  const char *text;          /* the decoded scalar text (set by json_line_decode) */
} json_member;

/* A scanned line. The arrays are reused from line to line. */
typedef struct json_line {
  const char *err;           /* what is wrong (static text), NULL while all is well */
  json_member *m;
  size_t n, cap;
  char *arena;               /* decoded names and strings */
  size_t arena_cap;
} json_line;

/* Checks that buf[0..n) is exactly one JSON object (RFC 8259, valid UTF-8) and records its
 * top-level members. False with l->err set otherwise. O(n). */
bool json_line_scan(json_line *l, const char *buf, size_t n);
/* Decodes every member's name, and the text of every scalar. False with l->err set for a string
 * holding \u0000 or a lone surrogate. */
bool json_line_decode(json_line *l);
/* The last member named `name` (decoded names: call json_line_decode first), or NULL. */
const json_member *json_line_get(const json_line *l, const char *name);
/* Only the names of the members that may be "t" or "type": enough to skip a line. Cheap. */
const json_member *json_line_get_raw(const json_line *l, const char *name);
void json_line_clear(json_line *l);

#endif
