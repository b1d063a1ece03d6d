/* Reading trace.jsonl back: each line checked for shape, parsed with json-glib, handed on. */
#include "trace_reader.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Our lines are flat objects; this only guards json-glib's recursive parser against garbage. */
#define TRACE_MAX_DEPTH 64

/* --- one line ------------------------------------------------------------------------------ */

/* Checks what json-glib is lax about: the line must hold exactly one object (json-glib silently
 * ignores a second one) nested no deeper than TRACE_MAX_DEPTH (deeper input overflows its stack).
 * Strings are skipped with their escapes so brackets inside them do not count. */
static const char *check_shape(const char *s, size_t n)
{
  size_t i = 0;
  while (i < n && g_ascii_isspace(s[i]))
    i++;
  if (i == n)
    return "blank line";
  if (s[i] != '{')
    return "not a JSON object";
  int depth = 0;
  bool in_str = false;
  for (; i < n; i++) {
    char c = s[i];
    if (in_str) {
      if (c == '\\')
        i++;
      else if (c == '"')
        in_str = false;
    } else if (c == '"') {
      in_str = true;
    } else if (c == '{' || c == '[') {
      if (++depth > TRACE_MAX_DEPTH)
        return "malformed JSON: nested too deeply";
    } else if ((c == '}' || c == ']') && --depth == 0) {
      break;
    }
  }
  if (depth != 0)
    return "malformed JSON: unterminated object";
  for (i++; i < n; i++)
    if (!g_ascii_isspace(s[i]))
      return "malformed JSON: text after the object";
  return NULL;
}

/* Parses one line into its object, `t` and `type`. The object lives in `p` until its next load. */
static bool parse_line(JsonParser *p, const char *buf, size_t n, double *t, const char **type,
                       JsonObject **obj, char **why)
{
  if (memchr(buf, '\0', n)) {
    *why = g_strdup("NUL byte in the line");
    return false;
  }
  const char *shape = check_shape(buf, n);
  if (shape) {
    *why = g_strdup(shape);
    return false;
  }
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
  *obj = json_node_get_object(root);
  JsonNode *tn = json_object_get_member(*obj, "t");
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
  JsonNode *yn = json_object_get_member(*obj, "type");
  if (!yn) {
    *why = g_strdup("missing field \"type\"");
    return false;
  }
  if (!JSON_NODE_HOLDS_VALUE(yn) || json_node_get_value_type(yn) != G_TYPE_STRING) {
    *why = g_strdup("field \"type\" must be a string");
    return false;
  }
  *type = json_node_get_string(yn);
  return true;
}

bool trace_foreach(const char *path, trace_line_fn fn, void *ud, char **err)
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
    ok = parse_line(p, buf, (size_t)n, &t, &type, &obj, &why) && fn(ud, line, t, type, obj, &why);
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
  history *h = history_new();
  if (!trace_foreach(path, on_line, h, err)) {
    history_free(h);
    return NULL;
  }
  return h;
}
