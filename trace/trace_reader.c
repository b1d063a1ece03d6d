/* Reading trace.jsonl back: each line checked strictly, its members handed on by name. */
#include "trace/trace_reader.h"
#include "trace/json_line.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct trace_line {
  json_line j;
  long no;
  double t;
  const char *type;
};

long trace_line_no(const trace_line *l) { return l->no; }
double trace_line_t(const trace_line *l) { return l->t; }
const char *trace_line_type(const trace_line *l) { return l->type; }
guint trace_line_n_members(const trace_line *l) { return (guint)l->j.n; }

const char *trace_line_member(const trace_line *l, guint i, trace_vkind *kind, const char **text)
{
  const json_member *m = &l->j.m[i];
  if (kind)
    *kind = m->kind;
  if (text)
    *text = m->text;
  return m->name;
}

/* --- fields -------------------------------------------------------------------------------- */

bool trace_line_opt_str(const trace_line *l, const char *name, const char **out, bool *is_null,
                        char **why)
{
  const json_member *m = json_line_get(&l->j, name);
  *out = NULL;
  if (is_null)
    *is_null = m && m->kind == TRACE_V_NULL;
  if (!m || m->kind == TRACE_V_NULL)
    return true;
  if (m->kind != TRACE_V_STRING) {
    *why = g_strdup_printf("field \"%s\" must be a string", name);
    return false;
  }
  *out = m->text;
  return true;
}

bool trace_line_req_str(const trace_line *l, const char *name, const char **out, char **why)
{
  if (!trace_line_opt_str(l, name, out, NULL, why))
    return false;
  if (!*out || !**out) {
    *why = g_strdup_printf("missing field \"%s\"", name);
    return false;
  }
  return true;
}

bool trace_line_opt_u64(const trace_line *l, const char *name, uint64_t *out, char **why)
{
  const json_member *m = json_line_get(&l->j, name);
  *out = 0;
  if (!m || m->kind == TRACE_V_NULL)
    return true;
  char *end = NULL;
  errno = 0;
  uint64_t v = m->kind == TRACE_V_INT && m->text[0] != '-' ? g_ascii_strtoull(m->text, &end, 10) : 0;
  if (m->kind != TRACE_V_INT || m->text[0] == '-' || errno || !end || *end) {
    *why = g_strdup_printf("field \"%s\" must be a non-negative integer", name);
    return false;
  }
  *out = v;
  return true;
}

/* Clinger's fast path: at most 15 digits make an integer below 2^53, and powers of ten up to
 * 1e22 are exact, so one IEEE division rounds as strtod does. Every line's `t` is such a number,
 * and strtod's general path was a tenth of reading a trace back. */
bool trace_decimal(const char *p, double *out)
{
  static const double pow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  bool neg = *p == '-';
  p += neg;
  uint64_t m = 0;
  int digits = 0, frac = -1;
  for (;; p++) {
    if (*p >= '0' && *p <= '9') {
      if (++digits > 15)
        return false;
      m = m * 10 + (uint64_t)(*p - '0');
      frac += frac >= 0;
    } else if (*p == '.' && frac < 0) {
      frac = 0;
    } else {
      break;
    }
  }
  if (*p != '\0' || digits == 0 || frac == 0)
    return false;
  double v = (double)m / pow10[frac < 0 ? 0 : frac];
  *out = neg ? -v : v;
  return true;
}

/* A number member's value when it is finite; false otherwise. */
static bool finite_number(const json_member *m, const char *text, double *t)
{
  if (!m || (m->kind != TRACE_V_INT && m->kind != TRACE_V_NUMBER))
    return false;
  if (trace_decimal(text, t))
    return true;
  char *end = NULL;
  *t = g_ascii_strtod(text, &end);
  return end && *end == '\0' && isfinite(*t);
}

bool trace_line_opt_time(const trace_line *l, const char *name, double *out, char **why)
{
  const json_member *m = json_line_get(&l->j, name);
  if (!m || m->kind == TRACE_V_NULL)
    return true;
  double v;
  if (!finite_number(m, m->text, &v) || v < 0) {
    *why = g_strdup_printf("field \"%s\" must be a non-negative number", name);
    return false;
  }
  *out = v;
  return true;
}

bool trace_line_opt_bool(const trace_line *l, const char *name, bool dflt, bool *out, char **why)
{
  const json_member *m = json_line_get(&l->j, name);
  *out = dflt;
  if (!m || m->kind == TRACE_V_NULL)
    return true;
  if (m->kind != TRACE_V_BOOL) {
    *why = g_strdup_printf("field \"%s\" must be true or false", name);
    return false;
  }
  *out = m->text[0] == 't';
  return true;
}

/* --- one line ------------------------------------------------------------------------------ */

/* A raw number span (no decoding needed: numbers have no escapes) as text. */
static bool raw_finite(const json_member *m, double *t)
{
  char buf[64];
  size_t n = m ? (size_t)(m->val_end - m->val) : 0;
  if (!m || n >= sizeof buf)
    return m && finite_number(m, "x", t); /* a number too long to be a sane time */
  memcpy(buf, m->val, n);
  buf[n] = '\0';
  return finite_number(m, buf, t);
}

static bool check_t(const json_member *m, bool decoded, double *t, char **why)
{
  if (!m) {
    *why = g_strdup("missing field \"t\"");
    return false;
  }
  if (!(decoded ? finite_number(m, m->text ? m->text : "", t) : raw_finite(m, t))) {
    *why = g_strdup("field \"t\" must be a finite number");
    return false;
  }
  return true;
}

/* True if the line's type is a plain string not among `types` (checked without decoding). */
static bool skippable(const json_line *j, const char *const *types, bool *any_escaped_key)
{
  *any_escaped_key = false;
  for (size_t i = 0; i < j->n; i++)
    *any_escaped_key |= j->m[i].key_escaped;
  if (!types || *any_escaped_key)
    return false;
  const json_member *m = json_line_get_raw(j, "type");
  if (!m || m->kind != TRACE_V_STRING || m->val_escaped)
    return false;
  const char *name = m->val + 1;
  size_t len = (size_t)(m->val_end - 1 - name);
  for (; *types; types++)
    if (strlen(*types) == len && memcmp(*types, name, len) == 0)
      return false;
  return true;
}

/* Checks one line and, unless skipped, decodes it: *deliver says whether `fn` should see it. */
static bool read_line(trace_line *l, const char *buf, size_t n, const char *const *types,
                      bool *deliver, char **why)
{
  *deliver = false;
  if (memchr(buf, '\0', n)) {
    *why = g_strdup("NUL byte in the line");
    return false;
  }
  if (!json_line_scan(&l->j, buf, n)) {
    *why = g_strdup(l->j.err);
    return false;
  }
  bool escaped_key;
  if (skippable(&l->j, types, &escaped_key))
    return check_t(json_line_get_raw(&l->j, "t"), false, &l->t, why);
  if (!json_line_decode(&l->j)) {
    *why = g_strdup(l->j.err);
    return false;
  }
  if (!check_t(json_line_get(&l->j, "t"), true, &l->t, why))
    return false;
  const json_member *ty = json_line_get(&l->j, "type");
  if (!ty) {
    *why = g_strdup("missing field \"type\"");
    return false;
  }
  if (ty->kind != TRACE_V_STRING) {
    *why = g_strdup("field \"type\" must be a string");
    return false;
  }
  l->type = ty->text;
  *deliver = true;
  if (types) {
    *deliver = false;
    for (const char *const *p = types; *p; p++)
      *deliver |= strcmp(*p, l->type) == 0;
  }
  return true;
}

bool trace_foreach_types(const char *path, const char *const *types, trace_line_fn fn, void *ud,
                         char **err)
{
  return trace_foreach_counted(path, types, fn, ud, NULL, err);
}

bool trace_foreach_counted(const char *path, const char *const *types, trace_line_fn fn, void *ud,
                           long *lines, char **err)
{
  FILE *f = fopen(path, "r");
  if (!f) {
    if (err)
      *err = g_strdup_printf("%s: %s", path, g_strerror(errno));
    return false;
  }
  trace_line l = {0};
  char *buf = NULL, *why = NULL;
  size_t cap = 0;
  ssize_t n;
  bool ok = true, quiet = false;
  while (ok && (n = getline(&buf, &cap, f)) >= 0) {
    l.no++;
    bool deliver, cut = n == 0 || buf[n - 1] != '\n';
    ok = read_line(&l, buf, (size_t)n - (cut ? 0 : 1), types, &deliver, &why);
    if (cut) { /* only the last line can lack its newline: the trace was cut short */
      char *what = why;
      why = g_strdup_printf("the last line is cut short (no newline at its end): a truncated "
                            "trace%s%s", what ? ": " : "", what ? what : "");
      g_free(what);
      ok = false;
      break;
    }
    ok = ok && (!deliver || fn(ud, &l, &why));
    quiet = !ok && !why;
  }
  if (quiet)
    ok = true;
  else if (!ok && err)
    *err = g_strdup_printf("%s:%ld: %s", path, l.no, why ? why : "rejected");
  else if (ok && ferror(f)) {
    ok = false;
    if (err)
      *err = g_strdup_printf("%s:%ld: read error: %s", path, l.no + 1, g_strerror(errno));
  }
  if (lines)
    *lines = l.no;
  g_free(why);
  free(buf);
  json_line_clear(&l.j);
  fclose(f);
  return ok;
}

bool trace_foreach(const char *path, trace_line_fn fn, void *ud, char **err)
{
  return trace_foreach_types(path, NULL, fn, ud, err);
}
