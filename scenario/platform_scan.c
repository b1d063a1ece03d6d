/* Scans a SimGrid platform file with GMarkup for the host and link names a scenario may use. */
#include "platform_scan.h"

#include "scenario_internal.h"

#include <string.h>

#define RADICAL_MAX 100000 /* more hosts than any test bed needs: a typo, not a platform */

typedef struct scan {
  const char *path;
  GPtrArray *hosts, *links;
  char *err;
  bool seen_root;
} scan;

static const char *attr_of(const char **names, const char **values, const char *name)
{
  for (size_t i = 0; names[i]; i++)
    if (strcmp(names[i], name) == 0)
      return values[i];
  return NULL;
}

/* Appends one item ("a" or "a-b") of a radical; false if malformed or the list grows too big. */
static bool expand_item(const char *item, GArray *out)
{
  guint64 lo = 0, hi = 0;
  const char *why;
  char **ends = g_strsplit(item, "-", 3);
  guint n = g_strv_length(ends);
  bool ok = (n == 1 || n == 2) && sv_uint(ends[0], 0, G_MAXINT, &lo, &why) &&
            sv_uint(ends[n - 1], 0, G_MAXINT, &hi, &why) && lo <= hi &&
            out->len + (hi - lo + 1) <= RADICAL_MAX;
  g_strfreev(ends);
  for (guint64 i = lo; ok && i <= hi; i++) {
    int v = (int)i;
    g_array_append_val(out, v);
  }
  return ok;
}

bool platform_expand_radical(const char *radical, GArray *out)
{
  char **items = g_strsplit(radical, ",", -1);
  bool ok = items[0] != NULL;
  for (char **p = items; ok && *p; p++)
    ok = expand_item(g_strstrip(*p), out);
  g_strfreev(items);
  return ok;
}

/* Records an error at the parser's position and stops the parse. */
static void scan_fail(scan *s, GMarkupParseContext *ctx, GError **error, const char *what)
{
  int line = 0, col = 0;
  g_markup_parse_context_get_position(ctx, &line, &col);
  if (s->err == NULL)
    s->err = g_strdup_printf("%s:%d: %s", s->path, line, what);
  g_set_error_literal(error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, what);
}

/* A link by its id; SimGrid knows a SPLITDUPLEX link only by its two halves. */
static void add_link(scan *s, const char *id, const char *policy)
{
  if (policy && strcmp(policy, "SPLITDUPLEX") == 0) {
    g_ptr_array_add(s->links, g_strconcat(id, "_UP", NULL));
    g_ptr_array_add(s->links, g_strconcat(id, "_DOWN", NULL));
  } else {
    g_ptr_array_add(s->links, g_strdup(id));
  }
}

/* The links SimGrid 3.32 makes for host N of a flat cluster (sharing defaults to SPLITDUPLEX). */
static void add_cluster_links(scan *s, const char **names, const char **values, int n)
{
  const char *id = attr_of(names, values, "id");
  const char *topology = attr_of(names, values, "topology");
  if (id == NULL || (topology && strcmp(topology, "FLAT") != 0))
    return;
  const char *policy = attr_of(names, values, "sharing_policy");
  char *link = g_strdup_printf("%s_link_%d", id, n);
  add_link(s, link, policy ? policy : "SPLITDUPLEX");
  if (attr_of(names, values, "loopback_bw") || attr_of(names, values, "loopback_lat"))
    g_ptr_array_add(s->links, g_strconcat(link, "_loopback", NULL));
  if (attr_of(names, values, "limiter_link"))
    g_ptr_array_add(s->links, g_strconcat(link, "_limiter", NULL));
  g_free(link);
}

/* <cluster> and <cabinet>: one host per radical, named prefix + N + suffix. */
static bool add_cluster(scan *s, const char *element, const char **names, const char **values)
{
  const char *radical = attr_of(names, values, "radical");
  const char *prefix = attr_of(names, values, "prefix");
  const char *suffix = attr_of(names, values, "suffix");
  GArray *ns = g_array_new(FALSE, FALSE, sizeof(int));
  if (radical == NULL || !platform_expand_radical(radical, ns)) {
    g_array_free(ns, TRUE);
    return false;
  }
  bool cluster = strcmp(element, "cluster") == 0;
  for (guint i = 0; i < ns->len; i++) {
    int n = g_array_index(ns, int, i);
    g_ptr_array_add(s->hosts, g_strdup_printf("%s%d%s", prefix ? prefix : "", n, suffix ? suffix : ""));
    if (cluster)
      add_cluster_links(s, names, values, n);
  }
  const char *id = attr_of(names, values, "id");
  if (cluster && id && attr_of(names, values, "bb_bw"))
    g_ptr_array_add(s->links, g_strconcat(id, "_backbone", NULL));
  g_array_free(ns, TRUE);
  return true;
}

static void on_start(GMarkupParseContext *ctx, const char *element, const char **names,
                     const char **values, gpointer data, GError **error)
{
  scan *s = data;
  const char *id = attr_of(names, values, "id");
  if (!s->seen_root) {
    s->seen_root = true;
    if (strcmp(element, "platform") != 0)
      scan_fail(s, ctx, error, "not a SimGrid platform: the root element is not <platform>");
    return;
  }
  if ((strcmp(element, "host") == 0 || strcmp(element, "peer") == 0) && id)
    g_ptr_array_add(s->hosts, g_strdup(id));
  else if (strcmp(element, "link") == 0 && id)
    add_link(s, id, attr_of(names, values, "sharing_policy"));
  else if (strcmp(element, "backbone") == 0 && id)
    g_ptr_array_add(s->links, g_strdup(id));
  else if ((strcmp(element, "cluster") == 0 || strcmp(element, "cabinet") == 0) &&
           !add_cluster(s, element, names, values))
    scan_fail(s, ctx, error, "bad or missing radical (expected a list like \"1-8,10\")");
}

bool platform_scan(const char *path, GPtrArray *hosts, GPtrArray *links, char **err)
{
  char *text = NULL, *why = NULL;
  size_t len = 0;
  if (!sv_read_file(path, &text, &len, &why)) {
    *err = g_strdup_printf("%s: cannot be read: %s", path, why);
    g_free(why);
    return false;
  }
  scan s = {path, hosts, links, NULL, false};
  GMarkupParser parser = {on_start, NULL, NULL, NULL, NULL};
  GMarkupParseContext *ctx = g_markup_parse_context_new(&parser, 0, &s, NULL);
  GError *error = NULL;
  if (!g_markup_parse_context_parse(ctx, text, (gssize)len, &error) ||
      !g_markup_parse_context_end_parse(ctx, &error)) {
    int line = 0, col = 0;
    g_markup_parse_context_get_position(ctx, &line, &col);
    if (s.err == NULL)
      s.err = g_strdup_printf("%s:%d: malformed XML: %s", path, line, sv_markup_what(error->message));
    g_error_free(error);
  }
  g_markup_parse_context_free(ctx);
  g_free(text);
  *err = s.err;
  return s.err == NULL;
}
