/* Reading trace.jsonl back: each line checked strictly, parsed with json-glib, handed on. */
#include "trace/trace_reader.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Our lines are flat objects; this bounds the recursion of both parsers on garbage. */
#define TRACE_MAX_DEPTH 64

/* --- a strict JSON scanner ----------------------------------------------------------------- */

/* json-glib is lax (it silently ignores a second object on the line, accepts single quotes and
 * raw control characters) and recursive without bound (deep nesting overflows its stack), so
 * every line is first checked here against the strict RFC 8259 grammar. The scan also notes
 * where the top-level "t" and "type" values are, so a line of a type nobody asked for can be
 * checked and skipped without building a tree, many times faster. */
typedef struct jscan {
  const char *p, *end;
  const char *err;           /* what is wrong (static text), NULL while all is well */
  int depth;
  const char *t, *t_end;     /* raw span of the top-level "t" value (the last one), or NULL */
  const char *type, *type_end;
  bool escaped_key;          /* a top-level key has an escape: only json-glib can tell its name */
} jscan;

static bool js_value(jscan *s);

static bool js_fail(jscan *s, const char *why)
{
  if (!s->err)
    s->err = why;
  return false;
}

static void js_ws(jscan *s)
{
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
    s->p++;
}

/* A string, from its opening quote; sets *escaped if it holds any escape. */
static bool js_string(jscan *s, bool *escaped)
{
  s->p++;
  while (s->p < s->end) {
    unsigned char c = (unsigned char)*s->p++;
    if (c == '"')
      return true;
    if (c < 0x20)
      return js_fail(s, "malformed JSON: control character in a string");
    if (c != '\\')
      continue;
    if (escaped)
      *escaped = true;
    if (s->p >= s->end)
      break;
    c = (unsigned char)*s->p++;
    if (c == 'u') {
      for (int i = 0; i < 4; i++, s->p++)
        if (s->p >= s->end || !g_ascii_isxdigit(*s->p))
          return js_fail(s, "malformed JSON: bad \\u escape");
    } else if (!strchr("\"\\/bfnrt", c)) {
      return js_fail(s, "malformed JSON: bad escape in a string");
    }
  }
  return js_fail(s, "malformed JSON: unterminated string");
}

static bool js_digits(jscan *s)
{
  const char *from = s->p;
  while (s->p < s->end && g_ascii_isdigit(*s->p))
    s->p++;
  return s->p > from || js_fail(s, "malformed JSON: bad number");
}

/* -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static bool js_number(jscan *s)
{
  if (*s->p == '-')
    s->p++;
  if (s->p < s->end && *s->p == '0')
    s->p++;
  else if (!js_digits(s))
    return false;
  if (s->p < s->end && *s->p == '.') {
    s->p++;
    if (!js_digits(s))
      return false;
  }
  if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
    s->p++;
    if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
      s->p++;
    if (!js_digits(s))
      return false;
  }
  return true;
}

static bool js_literal(jscan *s, const char *lit)
{
  size_t n = strlen(lit);
  if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n) != 0)
    return js_fail(s, "malformed JSON: unexpected character");
  s->p += n;
  return true;
}

/* After an element: a comma (more follow) or the closing bracket. */
static bool js_next(jscan *s, char close, bool *more)
{
  js_ws(s);
  if (s->p >= s->end)
    return js_fail(s, "malformed JSON: unterminated object or array");
  if (*s->p == ',' || *s->p == close) {
    *more = *s->p++ == ',';
    return true;
  }
  return js_fail(s, close == '}' ? "malformed JSON: expected ',' or '}'"
                                 : "malformed JSON: expected ',' or ']'");
}

static bool js_array(jscan *s)
{
  s->p++;
  js_ws(s);
  if (s->p < s->end && *s->p == ']') {
    s->p++;
    return true;
  }
  for (bool more = true; more;) {
    js_ws(s);
    if (!js_value(s) || !js_next(s, ']', &more))
      return false;
  }
  return true;
}

/* Remembers where a top-level member's value lies when it is "t" or "type". */
static void js_note_member(jscan *s, const char *key, size_t klen, bool escaped, const char *v)
{
  if (escaped)
    s->escaped_key = true;
  else if (klen == 1 && key[0] == 't')
    s->t = v, s->t_end = s->p;
  else if (klen == 4 && memcmp(key, "type", 4) == 0)
    s->type = v, s->type_end = s->p;
}

static bool js_object(jscan *s, bool top)
{
  s->p++;
  js_ws(s);
  if (s->p < s->end && *s->p == '}') {
    s->p++;
    return true;
  }
  for (bool more = true; more;) {
    js_ws(s);
    if (s->p >= s->end || *s->p != '"')
      return js_fail(s, "malformed JSON: expected a member name");
    const char *key = s->p + 1;
    bool escaped = false;
    if (!js_string(s, &escaped))
      return false;
    size_t klen = (size_t)(s->p - 1 - key);
    js_ws(s);
    if (s->p >= s->end || *s->p != ':')
      return js_fail(s, "malformed JSON: expected ':'");
    s->p++;
    js_ws(s);
    const char *v = s->p;
    if (!js_value(s))
      return false;
    if (top)
      js_note_member(s, key, klen, escaped, v);
    if (!js_next(s, '}', &more))
      return false;
  }
  return true;
}

static bool js_value(jscan *s)
{
  if (s->p >= s->end)
    return js_fail(s, "malformed JSON: missing value");
  char c = *s->p;
  if (c == '{' || c == '[') {
    if (++s->depth > TRACE_MAX_DEPTH)
      return js_fail(s, "malformed JSON: nested too deeply");
    bool ok = c == '{' ? js_object(s, false) : js_array(s);
    s->depth--;
    return ok;
  }
  if (c == '"')
    return js_string(s, NULL);
  if (c == '-' || g_ascii_isdigit(c))
    return js_number(s);
  if (c == 't')
    return js_literal(s, "true");
  if (c == 'f')
    return js_literal(s, "false");
  if (c == 'n')
    return js_literal(s, "null");
  return js_fail(s, "malformed JSON: unexpected character");
}

/* Checks that the line is exactly one JSON object and notes its "t" and "type". */
static bool js_line(jscan *s, const char *buf, size_t n)
{
  *s = (jscan){.p = buf, .end = buf + n, .depth = 1};
  js_ws(s);
  if (s->p >= s->end)
    return js_fail(s, "blank line");
  if (*s->p != '{')
    return js_fail(s, "not a JSON object");
  if (!js_object(s, true))
    return false;
  js_ws(s);
  return s->p == s->end || js_fail(s, "malformed JSON: text after the object");
}

/* --- one line ------------------------------------------------------------------------------ */

/* True if the scanned line's type is a plain string that is not among `types`, so the line can
 * be skipped once its `t` is checked. Anything unusual goes to json-glib instead. */
static bool skippable(const jscan *s, const char *const *types)
{
  if (!types || s->escaped_key || !s->type || *s->type != '"')
    return false;
  const char *name = s->type + 1;
  size_t len = (size_t)(s->type_end - 1 - name);
  if (memchr(name, '\\', len))
    return false;
  for (; *types; types++)
    if (strlen(*types) == len && memcmp(*types, name, len) == 0)
      return false;
  return true;
}

/* Checks a skipped line's `t` as parse_line does for the others, and its UTF-8 as json-glib
 * would. */
static bool check_skipped(const jscan *s, const char *buf, size_t n, char **why)
{
  if (!s->t) {
    *why = g_strdup("missing field \"t\"");
    return false;
  }
  char *end = NULL;
  double t = (*s->t == '-' || g_ascii_isdigit(*s->t)) ? g_ascii_strtod(s->t, &end) : NAN;
  if (end != s->t_end || !isfinite(t)) {
    *why = g_strdup("field \"t\" must be a finite number");
    return false;
  }
  if (!g_utf8_validate_len(buf, n, NULL)) {
    *why = g_strdup("malformed JSON: not valid UTF-8");
    return false;
  }
  return true;
}

/* Parses a checked line with json-glib into its object, `t` and `type`. The object lives in
 * `p` until its next load. */
static bool load_line(JsonParser *p, const char *buf, size_t n, double *t, const char **type,
                      JsonObject **obj, char **why)
{
  GError *e = NULL;
  if (!json_parser_load_from_data(p, buf, (gssize)n, &e)) {
    *why = g_strdup_printf("malformed JSON: %s", e->message);
    g_error_free(e);
    return false;
  }
  JsonNode *root = json_parser_get_root(p);
  if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
    *why = g_strdup("not a JSON object");
    return false;
  }
  JsonObject *o = json_node_get_object(root);
  JsonNode *tn = json_object_get_member(o, "t");
  GType tt = tn && JSON_NODE_HOLDS_VALUE(tn) ? json_node_get_value_type(tn) : G_TYPE_INVALID;
  if (!tn) {
    *why = g_strdup("missing field \"t\"");
    return false;
  }
  if ((tt != G_TYPE_DOUBLE && tt != G_TYPE_INT64) || !isfinite(json_node_get_double(tn))) {
    *why = g_strdup("field \"t\" must be a finite number");
    return false;
  }
  *t = json_node_get_double(tn);
  JsonNode *yn = json_object_get_member(o, "type");
  if (!yn) {
    *why = g_strdup("missing field \"type\"");
    return false;
  }
  if (!JSON_NODE_HOLDS_VALUE(yn) || json_node_get_value_type(yn) != G_TYPE_STRING) {
    *why = g_strdup("field \"type\" must be a string");
    return false;
  }
  *type = json_node_get_string(yn);
  *obj = o;
  return true;
}

/* Reads one line: checks it strictly, then either skips it (*obj stays NULL: its type is not
 * among `types`) or parses it. */
static bool parse_line(JsonParser *p, const char *buf, size_t n, const char *const *types,
                       double *t, const char **type, JsonObject **obj, char **why)
{
  jscan s;
  *obj = NULL;
  if (memchr(buf, '\0', n)) {
    *why = g_strdup("NUL byte in the line");
    return false;
  }
  if (!js_line(&s, buf, n)) {
    *why = g_strdup(s.err);
    return false;
  }
  if (skippable(&s, types))
    return check_skipped(&s, buf, n, why);
  return load_line(p, buf, n, t, type, obj, why);
}

bool trace_foreach_types(const char *path, const char *const *types, trace_line_fn fn, void *ud,
                         char **err)
{
  FILE *f = fopen(path, "r");
  if (!f) {
    if (err)
      *err = g_strdup_printf("%s: %s", path, g_strerror(errno));
    return false;
  }
  JsonParser *p = json_parser_new();
  char *buf = NULL, *why = NULL;
  size_t cap = 0;
  ssize_t n;
  long line = 0;
  bool ok = true;
  while (ok && (n = getline(&buf, &cap, f)) >= 0) {
    line++;
    if (n > 0 && buf[n - 1] == '\n')
      n--;
    double t = 0;
    const char *type = NULL;
    JsonObject *obj = NULL;
    ok = parse_line(p, buf, (size_t)n, types, &t, &type, &obj, &why) &&
         (!obj || fn(ud, line, t, type, obj, &why));
  }
  if (!ok && err)
    *err = g_strdup_printf("%s:%ld: %s", path, line, why ? why : "rejected");
  else if (ok && ferror(f)) {
    ok = false;
    if (err)
      *err = g_strdup_printf("%s:%ld: read error: %s", path, line + 1, g_strerror(errno));
  }
  g_free(why);
  free(buf);
  g_object_unref(p);
  fclose(f);
  return ok;
}

bool trace_foreach(const char *path, trace_line_fn fn, void *ud, char **err)
{
  return trace_foreach_types(path, NULL, fn, ud, err);
}

/* --- fields -------------------------------------------------------------------------------- */

/* A string for an error message: escaped and cut short, so garbage prints as one tidy line. */
static char *shown(const char *s)
{
  char *cut = g_strndup(s ? s : "", 60);
  char *esc = g_strescape(cut, NULL);
  g_free(cut);
  return esc;
}

/* An optional string field: absent or null gives NULL (null also sets *is_null); any other type
 * is an error. */
static bool opt_string(JsonObject *o, const char *name, const char **out, bool *is_null, char **why)
{
  JsonNode *n = json_object_get_member(o, name);
  *out = NULL;
  if (is_null)
    *is_null = n && JSON_NODE_HOLDS_NULL(n);
  if (!n || JSON_NODE_HOLDS_NULL(n))
    return true;
  if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) {
    *why = g_strdup_printf("field \"%s\" must be a string", name);
    return false;
  }
  *out = json_node_get_string(n);
  return true;
}

static bool req_string(JsonObject *o, const char *name, const char **out, char **why)
{
  if (!opt_string(o, name, out, NULL, why))
    return false;
  if (!*out || !**out) {
    *why = g_strdup_printf("missing field \"%s\"", name);
    return false;
  }
  return true;
}

/* An optional non-negative integer field: absent or null gives 0. */
static bool opt_u64(JsonObject *o, const char *name, uint64_t *out, char **why)
{
  JsonNode *n = json_object_get_member(o, name);
  *out = 0;
  if (!n || JSON_NODE_HOLDS_NULL(n))
    return true;
  if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64 ||
      json_node_get_int(n) < 0) {
    *why = g_strdup_printf("field \"%s\" must be a non-negative integer", name);
    return false;
  }
  *out = (uint64_t)json_node_get_int(n);
  return true;
}

/* --- building the history ------------------------------------------------------------------ */

static bool read_invoke(history *h, long line, double t, JsonObject *o, char **why)
{
  const char *process, *op, *key, *name, *value, *expected;
  if (!req_string(o, "process", &process, why) || !req_string(o, "op", &op, why) ||
      !req_string(o, "key", &key, why) || !opt_string(o, "name", &name, NULL, why) ||
      !opt_string(o, "value", &value, NULL, why) ||
      !opt_string(o, "expected", &expected, NULL, why))
    return false;
  hist_op *open = g_hash_table_lookup(h->open, process);
  if (open) {
    char *p = shown(process);
    *why = g_strdup_printf("process \"%s\" invokes again while its operation from line %ld is "
                           "still open", p, open->trace_line_invoke);
    g_free(p);
    return false;
  }
  history_invoke(h, process, op, key, name, value, expected, t, line);
  return true;
}

/* Checks that a completion agrees with the invocation it closes: same op and key when it names
 * them, and not earlier in time. */
static bool matches_invocation(const hist_op *open, const char *op, const char *key, double t,
                               char **why)
{
  const char *field = NULL, *got = NULL, *want = NULL;
  if (op && strcmp(op, open->op) != 0)
    field = "op", got = op, want = open->op;
  else if (key && (!open->key || strcmp(key, open->key) != 0))
    field = "key", got = key, want = open->key;
  if (field) {
    char *g = shown(got), *w = shown(want);
    *why = g_strdup_printf("completion %s \"%s\" does not match the invocation's \"%s\" (line %ld)",
                           field, g, w, open->trace_line_invoke);
    g_free(g);
    g_free(w);
    return false;
  }
  if (t < open->t_invoke) {
    *why = g_strdup_printf("completion at t=%.9f precedes its invocation at t=%.9f (line %ld)", t,
                           open->t_invoke, open->trace_line_invoke);
    return false;
  }
  return true;
}

static bool read_complete(history *h, long line, double t, hist_outcome outcome, JsonObject *o,
                          char **why)
{
  const char *process, *op, *key, *name, *value, *status, *replica;
  bool value_null = false;
  uint64_t version;
  if (!req_string(o, "process", &process, why) || !opt_string(o, "op", &op, NULL, why) ||
      !opt_string(o, "key", &key, NULL, why) || !opt_string(o, "name", &name, NULL, why) ||
      !opt_string(o, "value", &value, &value_null, why) ||
      !opt_string(o, "status", &status, NULL, why) || !opt_u64(o, "version", &version, why) ||
      !opt_string(o, "replica", &replica, NULL, why))
    return false;
  hist_op *open = g_hash_table_lookup(h->open, process);
  if (!open) {
    char *p = shown(process);
    *why = g_strdup_printf("%s for process \"%s\" with no open invocation",
                           hist_outcome_name(outcome), p);
    g_free(p);
    return false;
  }
  if (!matches_invocation(open, op, key, t, why))
    return false;
  hist_op *done = history_complete(h, process, outcome, status, value, value_null, version,
                                   replica, t, line);
  hist_op_set_name(done, name);
  return true;
}

/* Routes one line: operations go into the history, every other event type is skipped. */
static bool on_line(void *ud, long line, double t, const char *type, JsonObject *o, char **why)
{
  history *h = ud;
  if (strcmp(type, "invoke") == 0)
    return read_invoke(h, line, t, o, why);
  if (strcmp(type, "ok") == 0)
    return read_complete(h, line, t, HIST_OK, o, why);
  if (strcmp(type, "fail") == 0)
    return read_complete(h, line, t, HIST_FAIL, o, why);
  if (strcmp(type, "info") == 0)
    return read_complete(h, line, t, HIST_INFO, o, why);
  return true;
}

history *trace_read_history(const char *path, char **err)
{
  static const char *const wanted[] = {"invoke", "ok", "fail", "info", NULL};
  history *h = history_new();
  if (!trace_foreach_types(path, wanted, on_line, h, err)) {
    history_free(h);
    return NULL;
  }
  return h;
}
