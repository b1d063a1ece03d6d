/* SimGrid 3.32's values with units (xbt/xbt_parse_units.cpp): speeds, bandwidths and times, read
 * as SimGrid reads them but refusing what it would accept and then misbehave on: a speed or a
 * bandwidth of 0 or below (no transfer ever ends), a negative latency, infinities and NaN. */
#include "platform_model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One unit and its factor. */
typedef struct pf_unit {
  const char *name;
  double scale;
} pf_unit;

static const pf_unit time_units[] = {{"w", 7 * 86400.0}, {"d", 86400}, {"h", 3600}, {"m", 60},   {"s", 1},
                                     {"ms", 1e-3},       {"us", 1e-6}, {"ns", 1e-9}, {"ps", 1e-12}};

/* A decimal number (digits, a fraction, an exponent) at the start of `text`: its length, 0 if
 * there is none. Signs, hexadecimal, "inf" and "nan", which strtod would take, are not numbers. */
static size_t number_length(const char *text)
{
  size_t i = 0, digits = 0;
  while (g_ascii_isdigit(text[i]))
    i++, digits++;
  if (text[i] == '.')
    for (i++; g_ascii_isdigit(text[i]); i++)
      digits++;
  if (digits == 0)
    return 0;
  if (text[i] == 'e' || text[i] == 'E') {
    size_t j = i + 1;
    if (text[j] == '+' || text[j] == '-')
      j++;
    if (g_ascii_isdigit(text[j])) {
      while (g_ascii_isdigit(text[j]))
        j++;
      i = j;
    }
  }
  return i;
}

/* SimGrid's prefixed units: UNIT, then k/M/G/T/P/E/Z/Y (x1000) and Ki/Mi/.../Yi (x1024) before it,
 * or the long prefixes (kilo.., kibi..) when `long_prefixes`. */
static bool prefixed_scale(const char *unit, const char *base, bool binary, bool long_prefixes, double *scale)
{
  static const char *const dec[] = {"k", "M", "G", "T", "P", "E", "Z", "Y"};
  static const char *const bin[] = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"};
  static const char *const dec_long[] = {"kilo", "mega", "giga", "tera", "peta", "exa", "zeta", "yotta"};
  static const char *const bin_long[] = {"kibi", "mebi", "gibi", "tebi", "pebi", "exbi", "zebi", "yobi"};
  const char *const *prefixes = long_prefixes ? (binary ? bin_long : dec_long) : (binary ? bin : dec);
  double mult = binary ? 1024.0 : 1000.0, v = 1;
  if (strcmp(unit, base) == 0) {
    *scale = 1;
    return true;
  }
  for (int i = 0; i < 8; i++) {
    v *= mult;
    size_t n = strlen(prefixes[i]);
    if (strncmp(unit, prefixes[i], n) == 0 && strcmp(unit + n, base) == 0) {
      *scale = v;
      return true;
    }
  }
  return false;
}

/* A number and its unit; `fallback` applies to a bare number (SimGrid accepts one, with a
 * warning). *why says what is wrong. */
static bool value_with_unit(const char *text, bool (*unit_scale)(const char *, double *), double *out,
                            const char **why)
{
  size_t n = number_length(text);
  if (text[0] == '-' && number_length(text + 1) > 0) {
    *why = "negative";
    return false;
  }
  if (n == 0 || n > 64) {
    *why = "not a number";
    return false;
  }
  char digits[65];
  memcpy(digits, text, n);
  digits[n] = '\0';
  double v = g_ascii_strtod(digits, NULL), scale = 1;
  if (text[n] != '\0' && !unit_scale(text + n, &scale)) {
    *why = "unknown unit";
    return false;
  }
  double r = v * scale;
  if (!isfinite(r)) {
    *why = "out of range";
    return false;
  }
  *out = r;
  return true;
}

/* Speed units: f with decimal prefixes, or flops with long ones (kiloflops...). */
static bool speed_scale(const char *unit, double *scale)
{
  return prefixed_scale(unit, "f", false, false, scale) || prefixed_scale(unit, "flops", false, true, scale);
}

/* Bandwidth units: Bps and bps (an eighth), decimal and binary prefixes. */
static bool bandwidth_scale(const char *unit, double *scale)
{
  if (prefixed_scale(unit, "Bps", false, false, scale) || prefixed_scale(unit, "Bps", true, false, scale))
    return true;
  if (prefixed_scale(unit, "bps", false, false, scale) || prefixed_scale(unit, "bps", true, false, scale)) {
    *scale *= 0.125;
    return true;
  }
  return false;
}

/* Time units: w d h m s ms us ns ps. */
static bool time_scale(const char *unit, double *scale)
{
  for (size_t i = 0; i < G_N_ELEMENTS(time_units); i++)
    if (strcmp(unit, time_units[i].name) == 0) {
      *scale = time_units[i].scale;
      return true;
    }
  return false;
}

bool pf_speed(const char *text, double *out, const char **why)
{
  if (!value_with_unit(text, speed_scale, out, why))
    return false;
  if (*out <= 0) {
    *why = "must be above 0";
    return false;
  }
  return true;
}

bool pf_speeds(const char *text, guint pstate, guint *n, const char **why)
{
  char **parts = g_strsplit(text, ",", -1);
  bool ok = parts[0] != NULL;
  *n = 0;
  *why = "not a number";
  for (char **p = parts; ok && *p; p++) {
    double v = 0;
    ok = value_with_unit(g_strstrip(*p), speed_scale, &v, why);
    if (ok && (*n == pstate ? v <= 0 : v < 0)) {
      *why = *n == pstate ? "must be above 0 (in the pstate the host starts in)" : "negative";
      ok = false;
    }
    (*n)++;
  }
  if (ok && pstate >= *n) {
    *why = "has no speed for the host's pstate";
    ok = false;
  }
  g_strfreev(parts);
  return ok;
}

bool pf_bandwidth(const char *text, double *out, const char **why)
{
  if (!value_with_unit(text, bandwidth_scale, out, why))
    return false;
  if (*out <= 0) {
    *why = "must be above 0 (no message could ever cross it)";
    return false;
  }
  return true;
}

bool pf_time(const char *text, double *out, const char **why)
{
  return value_with_unit(text, time_scale, out, why);
}

bool pf_whole(const char *text, long min, long max, long *out)
{
  guint64 v = 0;
  if (text[0] == '\0' || !g_ascii_string_to_unsigned(text, 10, (guint64)MAX(min, 0), (guint64)max, &v, NULL))
    return false;
  *out = (long)v;
  return true;
}

bool pf_coordinates(const char *text)
{
  char **parts = g_strsplit_set(text, " \t", -1);
  int count = 0;
  bool ok = true;
  for (char **p = parts; ok && *p; p++) {
    if (**p == '\0')
      continue;
    const char *q = (**p == '-' || **p == '+') ? *p + 1 : *p;
    ok = number_length(q) == strlen(q) && strlen(q) > 0;
    count++;
  }
  g_strfreev(parts);
  return ok && count == 3;
}
