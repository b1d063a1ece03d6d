/* A strict one-line JSON object scanner (RFC 8259) that keeps where each top-level member lies,
 * and decodes names and scalars without building a tree: json-glib is lax (a second object on
 * the line, single quotes, raw control characters pass), recursive without bound, and several
 * times slower on the millions of lines of a large trace. */
#include "trace/json_line.h"

#include <glib.h>
#include <string.h>

typedef struct jscan {
  const char *p, *end;
  json_line *l;
  int depth;
} jscan;

static bool js_value(jscan *s, trace_vkind *kind, bool *escaped);

static bool js_fail(jscan *s, const char *why)
{
  if (!s->l->err)
    s->l->err = why;
  return false;
}

static void js_ws(jscan *s)
{
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
    s->p++;
}

/* Length of the valid UTF-8 sequence at p (first byte >= 0x80) within [p, end), or 0: overlong
 * forms, surrogates and code points above U+10FFFF are invalid. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
#define CONT(i) (p + (i) < end && p[i] >= 0x80 && p[i] <= 0xBF)
  unsigned char c = p[0];
  if (c >= 0xC2 && c <= 0xDF)
    return CONT(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    return p + 1 < end && p[1] >= lo && p[1] <= hi && CONT(2) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    return p + 1 < end && p[1] >= lo && p[1] <= hi && CONT(2) && CONT(3) ? 4 : 0;
  }
  return 0;
#undef CONT
}

/* A string, from its opening quote; sets *escaped if it holds any escape. */
static bool js_string(jscan *s, bool *escaped)
{
  s->p++;
  while (s->p < s->end) {
    unsigned char c = (unsigned char)*s->p;
    if (c == '"') {
      s->p++;
      return true;
    }
    if (c < 0x20)
      return js_fail(s, "malformed JSON: control character in a string");
    if (c >= 0x80) {
      size_t n = utf8_len((const unsigned char *)s->p, (const unsigned char *)s->end);
      if (!n)
        return js_fail(s, "malformed JSON: not valid UTF-8");
      s->p += n;
      continue;
    }
    s->p++;
    if (c != '\\')
      continue;
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

/* -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?; *integer when it has neither part. */
static bool js_number(jscan *s, bool *integer)
{
  *integer = true;
  if (*s->p == '-')
    s->p++;
  if (s->p < s->end && *s->p == '0')
    s->p++;
  else if (!js_digits(s))
    return false;
  if (s->p < s->end && *s->p == '.') {
    s->p++;
    *integer = false;
    if (!js_digits(s))
      return false;
  }
  if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
    s->p++;
    *integer = false;
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
    trace_vkind k;
    bool e = false;
    js_ws(s);
    if (!js_value(s, &k, &e) || !js_next(s, ']', &more))
      return false;
  }
  return true;
}

static void add_member(json_line *l, const json_member *m)
{
  if (l->n == l->cap) {
    l->cap = l->cap ? 2 * l->cap : 16;
    l->m = g_renew(json_member, l->m, l->cap);
  }
  l->m[l->n++] = *m;
}

/* An object; the members of the top-level one are recorded. */
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
    json_member m = {.key = s->p + 1};
    if (!js_string(s, &m.key_escaped))
      return false;
    m.key_end = s->p - 1;
    js_ws(s);
    if (s->p >= s->end || *s->p != ':')
      return js_fail(s, "malformed JSON: expected ':'");
    s->p++;
    js_ws(s);
    m.val = s->p;
    if (!js_value(s, &m.kind, &m.val_escaped))
      return false;
    m.val_end = s->p;
    if (top)
      add_member(s->l, &m);
    if (!js_next(s, '}', &more))
      return false;
  }
  return true;
}

static bool js_value(jscan *s, trace_vkind *kind, bool *escaped)
{
  if (s->p >= s->end)
    return js_fail(s, "malformed JSON: missing value");
  char c = *s->p;
  if (c == '{' || c == '[') {
    *kind = TRACE_V_NESTED;
    if (++s->depth > JSON_LINE_MAX_DEPTH)
      return js_fail(s, "malformed JSON: nested too deeply");
    bool ok = c == '{' ? js_object(s, false) : js_array(s);
    s->depth--;
    return ok;
  }
  if (c == '"') {
    *kind = TRACE_V_STRING;
    return js_string(s, escaped);
  }
  if (c == '-' || g_ascii_isdigit(c)) {
    bool integer;
    if (!js_number(s, &integer))
      return false;
    *kind = integer ? TRACE_V_INT : TRACE_V_NUMBER;
    return true;
  }
  *kind = c == 'n' ? TRACE_V_NULL : TRACE_V_BOOL;
  if (c == 't')
    return js_literal(s, "true");
  if (c == 'f')
    return js_literal(s, "false");
  if (c == 'n')
    return js_literal(s, "null");
  return js_fail(s, "malformed JSON: unexpected character");
}

bool json_line_scan(json_line *l, const char *buf, size_t n)
{
  jscan s = {.p = buf, .end = buf + n, .l = l, .depth = 1};
  l->err = NULL;
  l->n = 0;
  js_ws(&s);
  if (s.p >= s.end)
    return js_fail(&s, "blank line");
  if (*s.p != '{')
    return js_fail(&s, "not a JSON object");
  if (!js_object(&s, true))
    return false;
  js_ws(&s);
  return s.p == s.end || js_fail(&s, "malformed JSON: text after the object");
}

/* --- decoding ------------------------------------------------------------------------------ */

static int hex4(const char *p)
{
  int v = 0;
  for (int i = 0; i < 4; i++)
    v = v * 16 + g_ascii_xdigit_value(p[i]);
  return v;
}

/* Decodes the string between raw quotes [from, to) (already checked by the scan) into `d`,
 * NUL-terminated; returns the end, or NULL for \u0000 or a lone surrogate. */
static char *decode_to(char *d, const char *from, const char *to, bool escaped)
{
  if (!escaped) {
    memcpy(d, from, (size_t)(to - from));
    d += to - from;
    *d++ = '\0';
    return d;
  }
  for (const char *p = from; p < to;) {
    if (*p != '\\') {
      *d++ = *p++;
      continue;
    }
    char c = p[1];
    p += 2;
    if (c != 'u') {
      *d++ = c == 'b' ? '\b' : c == 'f' ? '\f' : c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c;
      continue;
    }
    gunichar u = (gunichar)hex4(p);
    p += 4;
    if (u >= 0xD800 && u <= 0xDBFF && p + 6 <= to && p[0] == '\\' && p[1] == 'u') {
      gunichar lo = (gunichar)hex4(p + 2);
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
        p += 6;
      }
    }
    if (u == 0 || (u >= 0xD800 && u <= 0xDFFF))
      return NULL;
    d += g_unichar_to_utf8(u, d);
  }
  *d++ = '\0';
  return d;
}

bool json_line_decode(json_line *l)
{
  size_t need = 0;
  for (size_t i = 0; i < l->n; i++)
    need += (size_t)(l->m[i].key_end - l->m[i].key) + (size_t)(l->m[i].val_end - l->m[i].val) + 2;
  if (need > l->arena_cap) {
    l->arena_cap = MAX(need, 2 * l->arena_cap);
    g_free(l->arena);
    l->arena = g_malloc(l->arena_cap);
  }
  char *d = l->arena;
  for (size_t i = 0; i < l->n; i++) {
    json_member *m = &l->m[i];
    m->name = d;
    d = decode_to(d, m->key, m->key_end, m->key_escaped);
    if (!d) {
      l->err = "malformed JSON: \\u0000 or a lone surrogate in a string";
      return false;
    }
    m->text = NULL;
    if (m->kind == TRACE_V_STRING) {
      m->text = d;
      d = decode_to(d, m->val + 1, m->val_end - 1, m->val_escaped);
      if (!d) {
        l->err = "malformed JSON: \\u0000 or a lone surrogate in a string";
        return false;
      }
    } else if (m->kind != TRACE_V_NULL && m->kind != TRACE_V_NESTED) {
      m->text = d;
      d = decode_to(d, m->val, m->val_end, false);
    }
  }
  return true;
}

const json_member *json_line_get(const json_line *l, const char *name)
{
  for (size_t i = l->n; i-- > 0;)
    if (strcmp(l->m[i].name, name) == 0)
      return &l->m[i];
  return NULL;
}

const json_member *json_line_get_raw(const json_line *l, const char *name)
{
  size_t len = strlen(name);
  for (size_t i = l->n; i-- > 0;) {
    const json_member *m = &l->m[i];
    if (!m->key_escaped && (size_t)(m->key_end - m->key) == len && memcmp(m->key, name, len) == 0)
      return m;
  }
  return NULL;
}

void json_line_clear(json_line *l)
{
  g_free(l->m);
  g_free(l->arena);
  memset(l, 0, sizeof *l);
}
