/* The one trace writer: JSON lines built in a reused buffer, hand-escaped, written through a large
 * stdio buffer, so millions of events cost no allocation each. */
#include "trace/trace_writer.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#define TRACE_IOBUF_SIZE (1u << 20)

/* Times below this (about 104 days) are printed in nanoseconds exactly; see trace_time_round. */
#define TRACE_NS_LIMIT 9.0e6

#ifdef __GLIBC__
#define trace_fwrite fwrite_unlocked
#else
#define trace_fwrite fwrite
#endif

struct trace_writer {
  FILE *f;
  bool own_file;
  char *iobuf;
  char *buf;        /* the line being built, reused for every event */
  size_t len, cap;
  GHashTable *keys; /* every key invoked: owned strings */
  uint64_t lines, sent, dropped;
  int write_errno;  /* first write error, 0 if none */
};

/* --- opening and closing ------------------------------------------------------------------- */

static trace_writer *writer_new(FILE *f, bool own_file)
{
  trace_writer *w = g_new0(trace_writer, 1);
  w->f = f;
  w->own_file = own_file;
  w->cap = 1024;
  w->buf = g_malloc(w->cap);
  w->keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  return w;
}

trace_writer *trace_writer_open(const char *path, char **err)
{
  FILE *f = fopen(path, "w");
  if (!f) {
    if (err)
      *err = g_strdup_printf("%s: %s", path, g_strerror(errno));
    return NULL;
  }
  trace_writer *w = writer_new(f, true);
  w->iobuf = g_malloc(TRACE_IOBUF_SIZE);
  setvbuf(f, w->iobuf, _IOFBF, TRACE_IOBUF_SIZE);
  return w;
}

trace_writer *trace_writer_open_stream(FILE *f)
{
  return writer_new(f, false);
}

bool trace_writer_flush(trace_writer *w)
{
  if (fflush(w->f) != 0 && !w->write_errno)
    w->write_errno = errno ? errno : EIO;
  return w->write_errno == 0;
}

bool trace_writer_close(trace_writer *w, char **err)
{
  if (!w)
    return true;
  trace_writer_flush(w);
  if (w->own_file && fclose(w->f) != 0 && !w->write_errno)
    w->write_errno = errno ? errno : EIO;
  bool ok = w->write_errno == 0;
  if (!ok && err)
    *err = g_strdup_printf("trace: write failed: %s", g_strerror(w->write_errno));
  g_free(w->iobuf);
  g_free(w->buf);
  g_hash_table_destroy(w->keys);
  g_free(w);
  return ok;
}

uint64_t trace_writer_lines(const trace_writer *w) { return w->lines; }
uint64_t trace_writer_messages_sent(const trace_writer *w) { return w->sent; }
uint64_t trace_writer_messages_dropped(const trace_writer *w) { return w->dropped; }

static gint cmp_key(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

GPtrArray *trace_writer_keys(const trace_writer *w)
{
  GPtrArray *keys = g_ptr_array_sized_new(g_hash_table_size(w->keys));
  GHashTableIter it;
  gpointer k;
  g_hash_table_iter_init(&it, w->keys);
  while (g_hash_table_iter_next(&it, &k, NULL))
    g_ptr_array_add(keys, k);
  g_ptr_array_sort(keys, cmp_key);
  return keys;
}

/* --- formatting into raw memory ----------------------------------------------------------- */

/* Length of the valid UTF-8 sequence starting at p (whose first byte is >= 0x80), or 0 if it is
 * not one: overlong forms, surrogates and code points above U+10FFFF are invalid. Stops at the
 * terminating NUL, which is never a continuation byte. */
static size_t utf8_valid_len(const unsigned char *p)
{
#define CONT(c) ((c) >= 0x80 && (c) <= 0xBF)
  unsigned char c = p[0];
  if (c >= 0xC2 && c <= 0xDF)
    return CONT(p[1]) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    return p[1] >= lo && p[1] <= hi && CONT(p[2]) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    return p[1] >= lo && p[1] <= hi && CONT(p[2]) && CONT(p[3]) ? 4 : 0;
  }
  return 0;
#undef CONT
}

/* Writes the escape of one byte that is neither plain printable ASCII nor the start of valid
 * UTF-8. Returns the new end. */
static char *escape_byte(char *d, unsigned char c)
{
  static const char hex[] = "0123456789abcdef";
  *d++ = '\\';
  switch (c) {
  case '"':
  case '\\':
    *d++ = (char)c;
    return d;
  case '\n':
    *d++ = 'n';
    return d;
  case '\r':
    *d++ = 'r';
    return d;
  case '\t':
    *d++ = 't';
    return d;
  default:
    d[0] = 'u', d[1] = '0', d[2] = '0', d[3] = hex[c >> 4], d[4] = hex[c & 15];
    return d + 5;
  }
}

/* Writes `s` quoted and escaped at `d`, which must have room for 6 * strlen(s) + 2 bytes (every
 * byte escaped as \u00XX). Printable ASCII is copied as is, valid UTF-8 passes through, every
 * other byte is escaped, so the line always parses. Returns the new end. */
static char *escape_to(char *d, const char *s)
{
  const unsigned char *p = (const unsigned char *)s;
  *d++ = '"';
  for (;;) {
    unsigned char c = *p;
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
      *d++ = (char)c;
      p++;
      continue;
    }
    if (!c)
      break;
    size_t n = c >= 0x80 ? utf8_valid_len(p) : 0;
    if (n) {
      memcpy(d, p, n);
      d += n;
      p += n;
    } else {
      d = escape_byte(d, c);
      p++;
    }
  }
  *d++ = '"';
  return d;
}

void trace_json_append_string(GString *out, const char *s)
{
  if (!s) {
    g_string_append_len(out, "null", 4);
    return;
  }
  gsize old = out->len;
  g_string_set_size(out, old + 6 * strlen(s) + 2);
  char *end = escape_to(out->str + old, s);
  g_string_truncate(out, (gsize)(end - out->str));
}

/* Writes an unsigned integer in decimal, without printf. Returns the new end (at most 20 bytes). */
static char *u64_to(char *d, uint64_t v)
{
  char buf[20];
  int i = sizeof buf;
  do {
    buf[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  memcpy(d, buf + i, sizeof buf - i);
  return d + (sizeof buf - i);
}

double trace_time_round(double t)
{
  if (!isfinite(t) || fabs(t) >= TRACE_NS_LIMIT)
    return t;
  return (double)llround(t * 1e9) / 1e9;
}

/* Writes `t` as the trace prints it (at most G_ASCII_DTOSTR_BUF_SIZE bytes): whole nanoseconds
 * in fixed notation, trailing zeros trimmed but one decimal kept ("3.0"). The text parses back
 * to exactly trace_time_round(t): both are the correctly rounded double of the same decimal
 * number of nanoseconds (below 2^53 ns, exact). Times beyond the limit fall back to a
 * round-trip %.17g; non-finite ones print as null. */
static char *time_to(char *d, double t)
{
  if (!isfinite(t)) {
    memcpy(d, "null", 4);
    return d + 4;
  }
  if (fabs(t) >= TRACE_NS_LIMIT) {
    g_ascii_dtostr(d, G_ASCII_DTOSTR_BUF_SIZE, t);
    return d + strlen(d);
  }
  long long ns = llround(t * 1e9);
  if (ns < 0) {
    *d++ = '-';
    ns = -ns;
  }
  d = u64_to(d, (uint64_t)ns / 1000000000u);
  uint64_t f = (uint64_t)ns % 1000000000u;
  *d = '.';
  for (int i = 9; i >= 1; i--) {
    d[i] = (char)('0' + f % 10);
    f /= 10;
  }
  int len = 10;
  while (len > 2 && d[len - 1] == '0')
    len--;
  return d + len;
}

/* --- building a line ----------------------------------------------------------------------- */

/* Makes room for `extra` more bytes in the line and returns where they go. */
static char *line_room(trace_writer *w, size_t extra)
{
  if (w->len + extra > w->cap) {
    while (w->len + extra > w->cap)
      w->cap *= 2;
    w->buf = g_realloc(w->buf, w->cap);
  }
  return w->buf + w->len;
}

static void line_lit(trace_writer *w, const char *s, size_t n)
{
  memcpy(line_room(w, n), s, n);
  w->len += n;
}

static void line_quoted(trace_writer *w, const char *s)
{
  char *d = line_room(w, 6 * strlen(s) + 2);
  w->len += (size_t)(escape_to(d, s) - d);
}

static void line_begin(trace_writer *w, double t, const char *type)
{
  w->len = 0;
  line_lit(w, "{\"t\":", 5);
  char *d = line_room(w, G_ASCII_DTOSTR_BUF_SIZE);
  w->len += (size_t)(time_to(d, t) - d);
  line_lit(w, ",\"type\":", 8);
  line_quoted(w, type ? type : "");
}

/* `,"key":` for a key known at compile time: no escaping, one copy. */
#define LINE_KEY(w, key) line_lit((w), ",\"" key "\":", sizeof(",\"" key "\":") - 1)

/* A string field with a literal key; NULL leaves it out. */
#define LINE_STR(w, key, v)                                                                     \
  do {                                                                                          \
    const char *v_ = (v);                                                                       \
    if (v_) {                                                                                   \
      LINE_KEY(w, key);                                                                         \
      line_quoted((w), v_);                                                                     \
    }                                                                                           \
  } while (0)

static void line_u64_value(trace_writer *w, uint64_t v)
{
  char *d = line_room(w, 20);
  w->len += (size_t)(u64_to(d, v) - d);
}

#define LINE_U64(w, key, v)                                                                     \
  do {                                                                                          \
    LINE_KEY(w, key);                                                                           \
    line_u64_value((w), (v));                                                                   \
  } while (0)

/* A string field whose key is only known at run time (fault targets, other event types). */
static void line_pair(trace_writer *w, const char *key, const char *v)
{
  line_lit(w, ",", 1);
  line_quoted(w, key);
  line_lit(w, ":", 1);
  line_quoted(w, v);
}

/* Appends key/value pairs from a NULL-terminated array. The list ends at the first NULL key or
 * value: a NULL value cannot be told from the terminator, so nothing past it is read. */
static void line_pairs(trace_writer *w, const char *const *kv)
{
  for (; kv && kv[0] && kv[1]; kv += 2)
    line_pair(w, kv[0], kv[1]);
}

/* Finishes the line and hands it to stdio in one call. */
static void line_end(trace_writer *w)
{
  line_lit(w, "}\n", 2);
  if (trace_fwrite(w->buf, 1, w->len, w->f) != w->len && !w->write_errno)
    w->write_errno = errno ? errno : EIO;
  w->lines++;
}

/* --- client operations --------------------------------------------------------------------- */

void trace_op_invoke(trace_writer *w, double t, const char *process, const char *op,
                     const char *key, const char *name, const char *value, const char *expected,
                     double intended)
{
  line_begin(w, t, "invoke");
  LINE_STR(w, "process", process);
  LINE_STR(w, "op", op);
  LINE_STR(w, "key", key);
  LINE_STR(w, "name", name);
  LINE_STR(w, "value", value);
  LINE_STR(w, "expected", expected);
  if (intended >= 0 && intended < t) {
    LINE_KEY(w, "intended");
    char *d = line_room(w, G_ASCII_DTOSTR_BUF_SIZE);
    w->len += (size_t)(time_to(d, intended) - d);
  }
  line_end(w);
  if (key && !g_hash_table_contains(w->keys, key))
    g_hash_table_add(w->keys, g_strdup(key));
}

/* What an answer carries, for completions and final states alike: name, value ("value":null
 * for an answer of nothing), status, and version (omitted when 0). */
static void line_answer(trace_writer *w, const char *name, const char *value, bool value_null,
                        const char *status, uint64_t version)
{
  LINE_STR(w, "name", name);
  if (value_null) {
    LINE_KEY(w, "value");
    line_lit(w, "null", 4);
  } else {
    LINE_STR(w, "value", value);
  }
  LINE_STR(w, "status", status);
  if (version)
    LINE_U64(w, "version", version);
}

void trace_op_complete(trace_writer *w, double t, const char *outcome, const char *process,
                       const char *op, const char *key, const char *name, const char *value,
                       bool value_null, const char *status, uint64_t version, const char *replica)
{
  line_begin(w, t, outcome);
  LINE_STR(w, "process", process);
  LINE_STR(w, "op", op);
  LINE_STR(w, "key", key);
  line_answer(w, name, value, value_null, status, version);
  LINE_STR(w, "replica", replica);
  line_end(w);
}

void trace_run(trace_writer *w, const char *scenario, const char *protocol, const char *app,
               const char *failover, uint64_t seed)
{
  line_begin(w, 0, "run");
  LINE_STR(w, "scenario", scenario);
  LINE_STR(w, "protocol", protocol);
  LINE_STR(w, "app", app);
  LINE_STR(w, "failover", failover);
  LINE_U64(w, "seed", seed);
  line_end(w);
}

void trace_final(trace_writer *w, double t, const char *node, const char *key, const char *name,
                 const char *value, bool value_null, const char *status, uint64_t version)
{
  line_begin(w, t, "final");
  LINE_STR(w, "node", node);
  LINE_STR(w, "key", key);
  line_answer(w, name, value, value_null, status, version);
  line_end(w);
}

void trace_digest(trace_writer *w, double t, const char *node, const char *digest, bool up, bool current)
{
  line_begin(w, t, "digest");
  LINE_STR(w, "node", node);
  LINE_STR(w, "digest", digest);
  if (!up) {
    LINE_KEY(w, "up");
    line_lit(w, "false", 5);
  } else if (!current) {
    LINE_KEY(w, "current");
    line_lit(w, "false", 5);
  }
  line_end(w);
}

/* --- messages, faults, roles --------------------------------------------------------------- */

static void message_line(trace_writer *w, double t, const char *type, const char *from,
                         const char *to, const char *msg, uint64_t id, uint64_t bytes,
                         const char *why)
{
  line_begin(w, t, type);
  LINE_STR(w, "from", from);
  LINE_STR(w, "to", to);
  LINE_STR(w, "msg", msg);
  LINE_U64(w, "id", id);
  LINE_U64(w, "bytes", bytes);
  LINE_STR(w, "why", why);
  line_end(w);
}

void trace_send(trace_writer *w, double t, const char *from, const char *to, const char *msg,
                uint64_t id, uint64_t bytes)
{
  message_line(w, t, "send", from, to, msg, id, bytes, NULL);
  w->sent++;
}

void trace_recv(trace_writer *w, double t, const char *from, const char *to, const char *msg,
                uint64_t id, uint64_t bytes)
{
  message_line(w, t, "recv", from, to, msg, id, bytes, NULL);
}

void trace_drop(trace_writer *w, double t, const char *from, const char *to, const char *msg,
                uint64_t id, uint64_t bytes)
{
  trace_drop_why(w, t, from, to, msg, id, bytes, NULL);
}

void trace_drop_why(trace_writer *w, double t, const char *from, const char *to, const char *msg,
                    uint64_t id, uint64_t bytes, const char *why)
{
  message_line(w, t, "drop", from, to, msg, id, bytes, why);
  w->dropped++;
}

void trace_fault(trace_writer *w, double t, const char *fault, const char *phase,
                 const char *const *target)
{
  line_begin(w, t, "fault");
  LINE_STR(w, "fault", fault);
  LINE_STR(w, "phase", phase);
  line_pairs(w, target);
  line_end(w);
}

void trace_role(trace_writer *w, double t, const char *node, const char *role, uint64_t view)
{
  line_begin(w, t, "role");
  LINE_STR(w, "node", node);
  LINE_STR(w, "role", role);
  LINE_U64(w, "view", view);
  line_end(w);
}

void trace_refuse(trace_writer *w, double t, const char *node, const char *from, const char *msg,
                  const char *why)
{
  line_begin(w, t, "refuse");
  LINE_STR(w, "node", node);
  LINE_STR(w, "from", from);
  LINE_STR(w, "msg", msg);
  LINE_STR(w, "why", why);
  line_end(w);
}

/* --- any other event ----------------------------------------------------------------------- */

/* As with arrays, the argument list ends at the first NULL key or value. */
void trace_event_kv(trace_writer *w, double t, const char *type, const char *const *kv)
{
  line_begin(w, t, type);
  line_pairs(w, kv);
  line_end(w);
}

void trace_event_kvl(trace_writer *w, double t, const char *type, ...)
{
  va_list ap;
  va_start(ap, type);
  line_begin(w, t, type);
  for (const char *k = va_arg(ap, const char *); k; k = va_arg(ap, const char *)) {
    const char *v = va_arg(ap, const char *);
    if (!v)
      break;
    line_pair(w, k, v);
  }
  va_end(ap);
  line_end(w);
}
