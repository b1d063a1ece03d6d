/* Strict readers for the values a scenario file holds: durations, numbers, flags, ids, word lists. */
#include "scenario_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* SimGrid's time units. Sub-second units divide (exact for whole numbers), the others multiply. */
static const struct {
  const char *unit;
  double scale;
  bool divide;
} duration_units[] = {
    {"ns", 1e9, true}, {"us", 1e6, true},   {"ms", 1e3, true},    {"s", 1, false},
    {"m", 60, false},  {"h", 3600, false}, {"d", 86400, false},
};

/* Length of the number at the start of `text`: digits with an optional fraction, 0 if none. */
static size_t number_prefix(const char *text)
{
  size_t i = 0, digits = 0;
  while (g_ascii_isdigit(text[i])) {
    i++;
    digits++;
  }
  if (text[i] == '.') {
    i++;
    while (g_ascii_isdigit(text[i])) {
      i++;
      digits++;
    }
  }
  return digits > 0 ? i : 0;
}

/* Reads "250ms", "30s", "2m", "1.5h", "7" (seconds). Signs, exponents and spaces are malformed. */
bool scenario_parse_duration(const char *text, double *seconds)
{
  if (text == NULL)
    return false;
  size_t n = number_prefix(text);
  if (n == 0 || n > 64)
    return false;
  char digits[65];
  memcpy(digits, text, n);
  digits[n] = '\0';
  double v = g_ascii_strtod(digits, NULL);
  const char *unit = text + n;
  if (*unit == '\0')
    unit = "s";
  for (size_t i = 0; i < G_N_ELEMENTS(duration_units); i++) {
    if (strcmp(unit, duration_units[i].unit) != 0)
      continue;
    double s = duration_units[i].divide ? v / duration_units[i].scale : v * duration_units[i].scale;
    if (!isfinite(s))
      return false;
    *seconds = s;
    return true;
  }
  return false;
}

/* A duration with a reason when it is not one: negative, too long, or not a duration at all. */
bool sv_duration(const char *text, double *seconds, const char **why)
{
  if (scenario_parse_duration(text, seconds)) {
    if (*seconds <= SC_MAX_DURATION)
      return true;
    *why = "longer than the 1000000s (11.6 days) a scenario may span (README, Limits)";
    return false;
  }
  double ignored;
  if (text[0] == '-' && scenario_parse_duration(text + 1, &ignored))
    *why = "negative duration";
  else
    *why = "not a duration (a number with an optional unit ns, us, ms, s, m, h or d)";
  return false;
}

/* An open-loop rate: a number above 0 with a unit /s, /ms or /m, at most SC_MAX_RATE per second. */
bool sv_rate(const char *text, double *per_second, const char **why)
{
  static const struct {
    const char *unit;
    double per;
  } units[] = {{"/s", 1}, {"/ms", 1e-3}, {"/m", 60}};
  size_t n = number_prefix(text);
  *why = "not a rate (a number with a unit /s, /ms or /m, e.g. 200/s)";
  if (n == 0 || n > 64)
    return false;
  char digits[65];
  memcpy(digits, text, n);
  digits[n] = '\0';
  double v = g_ascii_strtod(digits, NULL);
  for (size_t i = 0; i < G_N_ELEMENTS(units); i++) {
    if (strcmp(text + n, units[i].unit) != 0)
      continue;
    double r = v / units[i].per;
    if (!(r > 0)) {
      *why = "a rate must be more than 0";
      return false;
    }
    if (r > SC_MAX_RATE) {
      *why = "more than the 1000000/s a workload may start";
      return false;
    }
    *per_second = r;
    return true;
  }
  return false;
}

const char *sv_control_char(const char *value, bool lists)
{
  for (const char *p = value; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (lists && (c == '\t' || c == '\n' || c == '\r'))
      continue;
    if (c < 0x20 || c == 0x7f)
      return p;
  }
  return NULL;
}

int sv_nul_line(const char *text, size_t len)
{
  const char *nul = memchr(text, '\0', len);
  if (nul == NULL)
    return 0;
  int line = 1;
  for (const char *p = text; p < nul; p++)
    line += *p == '\n';
  return line;
}

/* A decimal integer in [min, max], no sign, no spaces. */
bool sv_uint(const char *text, guint64 min, guint64 max, guint64 *out, const char **why)
{
  GError *error = NULL;
  if (g_ascii_string_to_unsigned(text, 10, min, max, out, &error))
    return true;
  bool range = g_error_matches(error, G_NUMBER_PARSER_ERROR, G_NUMBER_PARSER_ERROR_OUT_OF_BOUNDS);
  g_error_free(error);
  if (range)
    *why = "out of range";
  else if (text[0] == '-' && g_ascii_isdigit(text[1]))
    *why = "negative";
  else
    *why = "not a whole number";
  return false;
}

/* A plain decimal number ("0.05", "-1", "1e-3"): no hex, no inf/nan, nothing after it. */
bool sv_number(const char *text, double *out)
{
  if (text[0] == '\0' || strspn(text, "0123456789.+-eE") != strlen(text))
    return false;
  char *end = NULL;
  double v = g_ascii_strtod(text, &end);
  if (end == text || *end != '\0' || !isfinite(v))
    return false;
  *out = v;
  return true;
}

bool sv_bool(const char *text, bool *out)
{
  if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0) {
    *out = text[0] == 't';
    return true;
  }
  return false;
}

/* Node ids name log files and partition groups: letters, digits, '.', '_' and '-' only. */
bool sv_node_id_ok(const char *id)
{
  if (id[0] == '\0' || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
    return false;
  for (const char *p = id; *p; p++)
    if (!g_ascii_isalnum(*p) && *p != '.' && *p != '_' && *p != '-')
      return false;
  return true;
}

/* The words of a space-separated list ("client-1 client-2"), empty ones dropped. */
GPtrArray *sv_split_words(const char *text)
{
  GPtrArray *words = g_ptr_array_new_with_free_func(g_free);
  char **parts = g_strsplit_set(text, " \t\r\n", -1);
  for (char **p = parts; *p; p++)
    if (**p != '\0')
      g_ptr_array_add(words, g_strdup(*p));
  g_strfreev(parts);
  return words;
}

/* Reads a whole file; on failure *why is the system's reason (to be freed). */
bool sv_read_file(const char *path, char **text, size_t *len, char **why)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    *why = g_strdup(g_strerror(errno));
    return false;
  }
  GString *buf = g_string_new(NULL);
  char chunk[8192];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
    g_string_append_len(buf, chunk, (gssize)n);
  int failed = ferror(f) ? errno : 0;
  fclose(f);
  if (failed) {
    *why = g_strdup(g_strerror(failed));
    g_string_free(buf, TRUE);
    return false;
  }
  *len = buf->len;
  *text = g_string_free(buf, FALSE);
  return true;
}

/* SimGrid 3.32's network models, matched without regard to case ("cm02" is "CM02"). */
const char *sv_network_model(const char *text)
{
  static const char *const models[] = {"CM02", "LV08", "SMPI", "IB", "Constant"};
  for (size_t i = 0; i < G_N_ELEMENTS(models); i++)
    if (g_ascii_strcasecmp(text, models[i]) == 0)
      return models[i];
  return NULL;
}

static const rs_op_kind files_ops[] = {RS_OP_WRITE, RS_OP_READ, RS_OP_DELETE, RS_OP_NONE};
static const rs_op_kind kv_ops[] = {RS_OP_PUT, RS_OP_GET, RS_OP_APPEND, RS_OP_CAS, RS_OP_NONE};
static const rs_op_kind chat_ops[] = {RS_OP_REGISTER, RS_OP_SEND, RS_OP_FETCH, RS_OP_LIST, RS_OP_NONE};

/* The operations each application understands (files: seed 004; kv: seeds 000, 001). */
const rs_op_kind *sv_app_ops(const char *app)
{
  if (strcmp(app, "files") == 0)
    return files_ops;
  if (strcmp(app, "kv") == 0)
    return kv_ops;
  if (strcmp(app, "chat") == 0)
    return chat_ops;
  return NULL;
}

bool sv_app_has_op(const char *app, rs_op_kind op)
{
  const rs_op_kind *ops = sv_app_ops(app);
  for (; ops && *ops != RS_OP_NONE; ops++)
    if (*ops == op)
      return true;
  return false;
}

/* GMarkup says "Error on line 3 char 5: what"; we give the line ourselves, so keep "what". */
const char *sv_markup_what(const char *message)
{
  const char *colon = g_str_has_prefix(message, "Error on line ") ? strstr(message, ": ") : NULL;
  return colon ? colon + 2 : message;
}

/* Moves `i` past the first `end` at or after it, counting lines; to the end of text if none. */
static size_t skip_past(const char *t, size_t n, size_t i, const char *end, int *line)
{
  size_t m = strlen(end);
  for (; i < n; i++) {
    if (i + m <= n && memcmp(t + i, end, m) == 0)
      return i + m;
    if (t[i] == '\n')
      (*line)++;
  }
  return n;
}

/* Moves `i` past the '>' closing a tag, skipping quoted attribute values and counting lines. */
static size_t skip_tag(const char *t, size_t n, size_t i, int *line)
{
  char quote = 0;
  for (; i < n; i++) {
    if (t[i] == '\n')
      (*line)++;
    if (quote) {
      quote = t[i] == quote ? 0 : quote;
    } else if (t[i] == '"' || t[i] == '\'') {
      quote = t[i];
    } else if (t[i] == '>') {
      return i + 1;
    }
  }
  return n;
}

void sv_scan_tag_lines(const char *t, size_t n, GArray *lines)
{
  int line = 1;
  size_t i = 0;
  while (i < n) {
    if (t[i] != '<') {
      line += t[i] == '\n';
      i++;
    } else if (n - i >= 4 && memcmp(t + i, "<!--", 4) == 0) {
      i = skip_past(t, n, i + 4, "-->", &line);
    } else if (n - i >= 9 && memcmp(t + i, "<![CDATA[", 9) == 0) {
      i = skip_past(t, n, i + 9, "]]>", &line);
    } else if (n - i >= 2 && memcmp(t + i, "<?", 2) == 0) {
      i = skip_past(t, n, i + 2, "?>", &line);
    } else if (n - i >= 2 && (t[i + 1] == '!' || t[i + 1] == '/')) {
      i = skip_tag(t, n, i + 2, &line);
    } else {
      g_array_append_val(lines, line);
      i = skip_tag(t, n, i + 1, &line);
    }
  }
}
