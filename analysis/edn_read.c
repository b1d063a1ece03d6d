/* A bounded, recursive-descent EDN reader (https://github.com/edn-format/edn): every read is
 * checked against the buffer's end, nesting is bounded, errors name their line. */
#include "analysis/edn_read.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct edn_reader {
  const char *p, *end;
  long line;
  int depth;
  char *err;
};

static bool fail(edn_reader *r, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static bool fail(edn_reader *r, const char *fmt, ...)
{
  if (r->err)
    return false;
  va_list ap;
  va_start(ap, fmt);
  char *what = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  r->err = g_strdup_printf("%ld: %s", r->line, what);
  g_free(what);
  return false;
}

edn_reader *edn_reader_new(const char *buf, size_t len)
{
  edn_reader *r = g_new0(edn_reader, 1);
  r->p = buf;
  r->end = buf + len;
  r->line = 1;
  return r;
}

void edn_reader_free(edn_reader *r)
{
  if (r)
    g_free(r->err);
  g_free(r);
}

void edn_value_free(edn_value *v)
{
  if (!v)
    return;
  for (size_t i = 0; i < v->n; i++)
    edn_value_free(v->items[i]);
  g_free(v->items);
  g_free(v->text);
  g_free(v);
}

/* Whitespace, commas and ; comments. */
static void skip_ws(edn_reader *r)
{
  while (r->p < r->end) {
    char c = *r->p;
    if (c == '\n') {
      r->line++;
      r->p++;
    } else if (c == ' ' || c == '\t' || c == '\r' || c == ',' || c == '\f') {
      r->p++;
    } else if (c == ';') {
      while (r->p < r->end && *r->p != '\n')
        r->p++;
    } else {
      break;
    }
  }
}

static bool is_delim(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == '\f' || c == '(' ||
         c == ')' || c == '[' || c == ']' || c == '{' || c == '}' || c == '"' || c == ';';
}

static edn_value *new_value(edn_reader *r, edn_kind k)
{
  edn_value *v = g_new0(edn_value, 1);
  v->kind = k;
  v->line = r->line;
  return v;
}

/* A token up to the next delimiter. */
static char *token(edn_reader *r)
{
  const char *from = r->p;
  while (r->p < r->end && !is_delim(*r->p))
    r->p++;
  return g_strndup(from, (gsize)(r->p - from));
}

static bool read_value(edn_reader *r, edn_value **out);

/* "..." with \" \\ \n \t \r \b \f \uXXXX escapes; newlines inside count as lines. */
static bool read_string(edn_reader *r, edn_value **out)
{
  long line = r->line;
  r->p++;
  GString *s = g_string_new(NULL);
  while (r->p < r->end && *r->p != '"') {
    char c = *r->p++;
    if (c == '\n')
      r->line++;
    if (c != '\\') {
      g_string_append_c(s, c);
      continue;
    }
    if (r->p >= r->end)
      break;
    c = *r->p++;
    switch (c) {
    case '"': case '\\': g_string_append_c(s, c); break;
    case 'n': g_string_append_c(s, '\n'); break;
    case 't': g_string_append_c(s, '\t'); break;
    case 'r': g_string_append_c(s, '\r'); break;
    case 'b': g_string_append_c(s, '\b'); break;
    case 'f': g_string_append_c(s, '\f'); break;
    case 'u': {
      if (r->end - r->p < 4 || !g_ascii_isxdigit(r->p[0]) || !g_ascii_isxdigit(r->p[1]) ||
          !g_ascii_isxdigit(r->p[2]) || !g_ascii_isxdigit(r->p[3])) {
        g_string_free(s, TRUE);
        return fail(r, "bad \\u escape in a string");
      }
      gunichar u = (gunichar)strtoul((char[5]){r->p[0], r->p[1], r->p[2], r->p[3], 0}, NULL, 16);
      r->p += 4;
      if (u == 0 || (u >= 0xD800 && u <= 0xDFFF)) {
        g_string_free(s, TRUE);
        return fail(r, "\\u%04X is not a character a history can hold", u);
      }
      g_string_append_unichar(s, u);
      break;
    }
    default:
      g_string_free(s, TRUE);
      return fail(r, "bad escape \\%c in a string", c);
    }
  }
  if (r->p >= r->end) {
    g_string_free(s, TRUE);
    r->line = line;
    return fail(r, "unterminated string");
  }
  r->p++;
  if (!g_utf8_validate(s->str, (gssize)s->len, NULL) || memchr(s->str, '\0', s->len)) {
    g_string_free(s, TRUE);
    return fail(r, "a string that is not valid UTF-8");
  }
  *out = new_value(r, EDN_STRING);
  (*out)->line = line;
  (*out)->text = g_string_free(s, FALSE);
  return true;
}

/* The elements of a collection up to `close`. */
static bool read_items(edn_reader *r, edn_value *coll, char close)
{
  long line = r->line;
  GPtrArray *items = g_ptr_array_new();
  bool ok = true;
  for (;;) {
    skip_ws(r);
    if (r->p >= r->end) {
      r->line = line;
      ok = fail(r, "unclosed collection (expected '%c')", close);
      break;
    }
    if (*r->p == close) {
      r->p++;
      break;
    }
    if (*r->p == ')' || *r->p == ']' || *r->p == '}') {
      ok = fail(r, "unexpected '%c' (expected '%c')", *r->p, close);
      break;
    }
    edn_value *v = NULL;
    if (!read_value(r, &v)) {
      edn_value_free(v); /* what it had built before it failed */
      ok = false;
      break;
    }
    if (v) /* NULL: a #_ discarded value */
      g_ptr_array_add(items, v);
  }
  coll->n = items->len;
  coll->items = (edn_value **)g_ptr_array_free(items, FALSE);
  if (ok && coll->kind == EDN_MAP && coll->n % 2)
    return fail(r, "a map with a key and no value");
  return ok;
}

static bool read_coll(edn_reader *r, edn_kind k, char close, edn_value **out)
{
  if (++r->depth > EDN_MAX_DEPTH)
    return fail(r, "nested too deeply (more than %d levels)", EDN_MAX_DEPTH);
  *out = new_value(r, k);
  bool ok = read_items(r, *out, close);
  r->depth--;
  return ok;
}

/* A number: integers (with an optional N), floats (with an optional M). */
static bool read_number(edn_reader *r, char *tok, edn_value **out)
{
  size_t n = strlen(tok);
  bool integer = true;
  for (size_t i = (tok[0] == '-' || tok[0] == '+'); i < n && integer; i++)
    integer = g_ascii_isdigit(tok[i]) ||
              (i == n - 1 && tok[i] == 'N' && i > (size_t)(tok[0] == '-' || tok[0] == '+'));
  if (integer) {
    *out = new_value(r, EDN_INT);
    errno = 0;
    char *end;
    (*out)->i = (int64_t)strtoll(tok, &end, 10);
    (*out)->big = errno == ERANGE;
    if ((*out)->big)
      (*out)->i = 0;
    if (tok[n - 1] == 'N')
      tok[n - 1] = '\0';
    (*out)->text = g_strdup(tok[0] == '+' ? tok + 1 : tok);
    return true;
  }
  char *end = NULL;
  double f = g_ascii_strtod(tok, &end);
  if (end && *end == 'M' && end[1] == '\0')
    end++;
  if (!end || *end || !isfinite(f) || tok[0] == '.')
    return fail(r, "bad number \"%s\"", tok);
  *out = new_value(r, EDN_FLOAT);
  (*out)->f = f;
  (*out)->text = g_strdup(tok);
  return true;
}

/* A symbol's or keyword's name: letters, digits and . * + ! - _ ? $ % & = < > / : # ' */
static bool valid_name(const char *s)
{
  if (!*s)
    return false;
  for (const char *p = s; *p; p++)
    if (!g_ascii_isalnum(*p) && !strchr(".*+!-_?$%&=<>/:#'", *p) && !((unsigned char)*p >= 0x80))
      return false;
  return !g_ascii_isdigit(s[0]);
}

static bool read_atom(edn_reader *r, edn_value **out)
{
  char *tok = token(r);
  bool ok = true;
  if (!*tok) {
    ok = fail(r, "unexpected character '%c'", *r->p);
  } else if (g_ascii_isdigit(tok[0]) || ((tok[0] == '-' || tok[0] == '+') && g_ascii_isdigit(tok[1]))) {
    ok = read_number(r, tok, out);
  } else if (strcmp(tok, "nil") == 0) {
    *out = new_value(r, EDN_NIL);
  } else if (strcmp(tok, "true") == 0 || strcmp(tok, "false") == 0) {
    *out = new_value(r, EDN_BOOL);
    (*out)->b = tok[0] == 't';
  } else if (tok[0] == ':') {
    if (!valid_name(tok + 1) || tok[1] == ':')
      ok = fail(r, "bad keyword \"%s\"", tok);
    else {
      *out = new_value(r, EDN_KEYWORD);
      (*out)->text = g_strdup(tok + 1);
    }
  } else if (valid_name(tok)) {
    *out = new_value(r, EDN_SYMBOL);
    (*out)->text = g_strdup(tok);
  } else {
    ok = fail(r, "unexpected \"%s\"", tok);
  }
  g_free(tok);
  return ok;
}

/* \c, \newline, \space, \tab, \return, \uXXXX */
static bool read_char(edn_reader *r, edn_value **out)
{
  r->p++;
  if (r->p >= r->end)
    return fail(r, "a lone backslash");
  const char *from = r->p;
  r->p = g_utf8_find_next_char(r->p, r->end) ? g_utf8_find_next_char(r->p, r->end) : r->end;
  while (r->p < r->end && !is_delim(*r->p))
    r->p++;
  char *tok = g_strndup(from, (gsize)(r->p - from));
  static const char *const names[][2] = {{"newline", "\n"}, {"space", " "}, {"tab", "\t"},
                                         {"return", "\r"}};
  const char *ch = NULL;
  for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
    if (strcmp(tok, names[i][0]) == 0)
      ch = names[i][1];
  bool single = g_utf8_validate(tok, -1, NULL) && g_utf8_strlen(tok, -1) == 1;
  if (!ch && !single) {
    fail(r, "bad character \"\\%s\"", tok);
    g_free(tok);
    return false;
  }
  *out = new_value(r, EDN_CHAR);
  (*out)->text = g_strdup(ch ? ch : tok);
  g_free(tok);
  return true;
}

/* # dispatch: #{set}, #_ discard, #tag value. */
static bool read_dispatch(edn_reader *r, edn_value **out)
{
  r->p++;
  if (r->p < r->end && *r->p == '{') {
    r->p++;
    return read_coll(r, EDN_SET, '}', out);
  }
  if (r->p < r->end && *r->p == '_') {
    r->p++;
    edn_value *gone = NULL;
    skip_ws(r);
    bool ok = read_value(r, &gone);
    edn_value_free(gone);
    *out = NULL;
    return ok;
  }
  char *tag = token(r);
  if (!valid_name(tag) || !g_ascii_isalpha(tag[0])) {
    fail(r, "bad tag \"#%s\"", tag);
    g_free(tag);
    return false;
  }
  if (++r->depth > EDN_MAX_DEPTH) {
    g_free(tag);
    return fail(r, "nested too deeply (more than %d levels)", EDN_MAX_DEPTH);
  }
  *out = new_value(r, EDN_TAGGED);
  (*out)->text = tag;
  (*out)->items = g_new0(edn_value *, 1);
  skip_ws(r);
  if (r->p >= r->end) {
    r->depth--;
    return fail(r, "a tag without a value");
  }
  bool ok = read_value(r, &(*out)->items[0]);
  (*out)->n = (*out)->items[0] ? 1 : 0;
  r->depth--;
  return ok && ((*out)->n == 1 || fail(r, "a tag without a value"));
}

/* One value at r->p (whitespace already skipped); *out NULL for a discarded one. */
static bool read_value(edn_reader *r, edn_value **out)
{
  *out = NULL;
  char c = *r->p;
  switch (c) {
  case '"':
    return read_string(r, out);
  case '(':
    r->p++;
    return read_coll(r, EDN_LIST, ')', out);
  case '[':
    r->p++;
    return read_coll(r, EDN_VECTOR, ']', out);
  case '{':
    r->p++;
    return read_coll(r, EDN_MAP, '}', out);
  case '#':
    return read_dispatch(r, out);
  case '\\':
    return read_char(r, out);
  case ')':
  case ']':
  case '}':
    return fail(r, "unexpected '%c'", c);
  default:
    if ((unsigned char)c < 0x20 && c != '\t')
      return fail(r, "unexpected control character 0x%02x", (unsigned char)c);
    return read_atom(r, out);
  }
}

bool edn_next(edn_reader *r, edn_value **out, char **err)
{
  *out = NULL;
  *err = NULL;
  for (;;) {
    skip_ws(r);
    if (r->p >= r->end)
      return false;
    if (memchr(r->p, '\0', 1)) {
      fail(r, "a NUL byte");
      *err = g_strdup(r->err);
      return false;
    }
    edn_value *v = NULL;
    if (!read_value(r, &v)) {
      edn_value_free(v);
      *err = g_strdup(r->err ? r->err : "malformed EDN");
      return false;
    }
    if (v) {
      *out = v;
      return true;
    }
  }
}

const edn_value *edn_map_get(const edn_value *map, const char *name)
{
  if (!map || map->kind != EDN_MAP)
    return NULL;
  for (size_t i = 0; i + 1 < map->n; i += 2)
    if (map->items[i]->kind == EDN_KEYWORD && strcmp(map->items[i]->text, name) == 0)
      return map->items[i + 1];
  return NULL;
}

static void print_to(GString *out, const edn_value *v)
{
  static const char open[] = {[EDN_LIST] = '(', [EDN_VECTOR] = '[', [EDN_MAP] = '{', [EDN_SET] = '{'};
  static const char close[] = {[EDN_LIST] = ')', [EDN_VECTOR] = ']', [EDN_MAP] = '}', [EDN_SET] = '}'};
  switch (v->kind) {
  case EDN_NIL:
    g_string_append(out, "nil");
    return;
  case EDN_BOOL:
    g_string_append(out, v->b ? "true" : "false");
    return;
  case EDN_INT:
  case EDN_FLOAT:
  case EDN_SYMBOL:
    g_string_append(out, v->text);
    return;
  case EDN_KEYWORD:
    g_string_append_printf(out, ":%s", v->text);
    return;
  case EDN_CHAR:
    g_string_append_printf(out, "\\%s", v->text);
    return;
  case EDN_STRING:
    g_string_append_c(out, '"');
    for (const char *p = v->text; *p; p++) {
      const char *esc = *p == '"' ? "\\\"" : *p == '\\' ? "\\\\" : *p == '\n' ? "\\n"
                      : *p == '\r' ? "\\r" : *p == '\t' ? "\\t" : *p == '\b' ? "\\b"
                      : *p == '\f' ? "\\f" : NULL;
      if (esc)
        g_string_append(out, esc);
      else
        g_string_append_c(out, *p);
    }
    g_string_append_c(out, '"');
    return;
  case EDN_TAGGED:
    g_string_append_printf(out, "#%s ", v->text);
    print_to(out, v->items[0]);
    return;
  default:
    if (v->kind == EDN_SET)
      g_string_append_c(out, '#');
    g_string_append_c(out, open[v->kind]);
    for (size_t i = 0; i < v->n; i++) {
      if (i)
        g_string_append_c(out, ' ');
      print_to(out, v->items[i]);
    }
    g_string_append_c(out, close[v->kind]);
  }
}

char *edn_print(const edn_value *v)
{
  GString *out = g_string_new(NULL);
  print_to(out, v);
  return g_string_free(out, FALSE);
}
