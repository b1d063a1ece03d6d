/* Reads a SimGrid platform file with GMarkup, element by element with line numbers, holding it
 * to SimGrid 3.32's DTD (which elements go where, in which order, with which attributes) so that
 * a file SimGrid's own parser would refuse with an abort is refused here with PATH:LINE. The
 * element handlers (platform_elements.c) check values and names; platform_routes.c the routes. */
#include "platform_read.h"
#include "platform_scan.h"
#include "scenario_internal.h"

#include <stdarg.h>
#include <string.h>

#define RADICAL_MAX 100000 /* more hosts than any test bed needs: a typo, not a platform */

/* Where an element may stand inside a zone (the DTD's two forms of <zone>). */
typedef enum pr_place {
  PLACE_TOP = 0,     /* not inside a zone */
  PLACE_INNER_DEF,   /* zones, clusters, peers: a zone of zones */
  PLACE_LEAF_DEF,    /* hosts, routers, cabinets, host links: a zone of hosts */
  PLACE_ANY_DEF,     /* links and backbones: either form */
  PLACE_INNER_ROUTE, /* zoneRoute and its bypass: after the definitions of a zone of zones */
  PLACE_LEAF_ROUTE,  /* route and bypassRoute: after the definitions of a zone of hosts */
  PLACE_PROP,        /* <prop>: first in a zone */
  PLACE_CHILD,       /* inside something that is not a zone (link_ctn, disk, prop of a host) */
} pr_place;

typedef struct pr_rule {
  const char *name;
  const char *parents;  /* space-separated; "" for the root */
  const char *required; /* space-separated attribute names */
  const char *optional;
  pr_place place;
  pr_start_fn start;
} pr_rule;

#define ZONES "zone AS"
#define ROUTES "route zoneRoute ASroute bypassRoute"
static const pr_rule rules[] = {
    {"platform", "", "", "version", PLACE_TOP, pe_platform},
    {"zone", "platform " ZONES, "id routing", "", PLACE_INNER_DEF, pe_zone},
    {"AS", "platform " ZONES, "id routing", "", PLACE_INNER_DEF, pe_zone},
    {"cluster", "platform " ZONES, "id prefix suffix radical speed bw lat",
     "core sharing_policy topology topo_parameters bb_bw bb_lat bb_sharing_policy router_id limiter_link "
     "loopback_bw loopback_lat",
     PLACE_INNER_DEF, pe_cluster},
    {"peer", ZONES, "id speed bw_in bw_out", "lat coordinates speed_file availability_file state_file",
     PLACE_INNER_DEF, pe_peer},
    {"cabinet", ZONES, "id prefix suffix radical speed bw lat", "", PLACE_LEAF_DEF, pe_cabinet},
    {"host", ZONES, "id speed", "core speed_file availability_file state_file coordinates pstate", PLACE_LEAF_DEF,
     pe_host},
    {"router", ZONES, "id", "coordinates", PLACE_LEAF_DEF, pe_router},
    {"host_link", ZONES, "id up down", "", PLACE_LEAF_DEF, pe_host_link},
    {"link", ZONES, "id bandwidth", "latency sharing_policy bandwidth_file latency_file state_file", PLACE_ANY_DEF,
     pe_link},
    {"backbone", ZONES, "id bandwidth latency", "", PLACE_ANY_DEF, pe_backbone},
    {"route", ZONES, "src dst", "symmetrical", PLACE_LEAF_ROUTE, pe_route},
    {"bypassRoute", ZONES, "src dst", "", PLACE_LEAF_ROUTE, pe_bypass_route},
    {"zoneRoute", ZONES, "src dst gw_src gw_dst", "symmetrical", PLACE_INNER_ROUTE, pe_zone_route},
    {"ASroute", ZONES, "src dst gw_src gw_dst", "symmetrical", PLACE_INNER_ROUTE, pe_zone_route},
    {"link_ctn", ROUTES, "id", "direction", PLACE_CHILD, pe_link_ctn},
    {"disk", "host", "read_bw write_bw", "id", PLACE_CHILD, pe_disk},
    {"prop", ZONES " host link cluster disk", "id value", "", PLACE_PROP, pe_prop},
};

/* Elements of the format that replsim refuses, and why (SimGrid would abort, or they would fight
 * replsim's own deployment and faults). */
static const struct {
  const char *name, *why;
} refused[] = {
    {"include", "<include> was removed from SimGrid in 3.18"},
    {"storage", "<storage> was removed from SimGrid in 3.27"},
    {"storage_type", "<storage_type> was removed from SimGrid in 3.27"},
    {"mount", "<mount> was removed from SimGrid in 3.27"},
    {"model_prop", "<model_prop> belongs to the removed <storage_type>"},
    {"random", "<random> does nothing in SimGrid 3.32; remove it"},
    {"config", "<config> would change SimGrid's options behind replsim's back; the network model is the "
               "scenario's <network model=...>"},
    {"actor", "<actor> deploys SimGrid code; replsim deploys its own nodes from the scenario"},
    {"process", "<process> deploys SimGrid code; replsim deploys its own nodes from the scenario"},
    {"argument", "<argument> belongs to <actor>, which replsim does not take"},
    {"trace", "<trace> availability and speed profiles are not supported: replsim drives hosts and links "
              "with the scenario's <faults>"},
    {"trace_connect", "<trace_connect> profiles are not supported: replsim drives hosts and links with the "
                      "scenario's <faults>"},
    {"bypassZoneRoute", "replsim cannot check routes through a bypassZoneRoute; use zoneRoutes"},
    {"bypassASroute", "replsim cannot check routes through a bypassASroute; use zoneRoutes"},
};

bool pr_fail(pf_reader *r, int line, const char *fmt, ...)
{
  if (r->err != NULL)
    return false;
  va_list ap;
  va_start(ap, fmt);
  char *what = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  r->err = g_strdup_printf("%s:%d: %s", r->pf->path, line, what);
  g_free(what);
  return false;
}

const char *pr_attr(const char **names, const char **values, const char *name)
{
  for (size_t i = 0; names[i]; i++)
    if (strcmp(names[i], name) == 0)
      return values[i];
  return NULL;
}

pf_zone *pr_zone(pf_reader *r)
{
  return r->zone_stack->len ? r->zone_stack->pdata[r->zone_stack->len - 1] : NULL;
}

pf_point *pr_add_point(pf_reader *r, pf_zone *zone, const char *name, pf_kind kind)
{
  static const char *const kinds[] = {"host", "router", "zone"};
  pf_point *old = g_hash_table_lookup(r->pf->points, name);
  if (old) {
    pr_fail(r, r->line, "the name '%s' is already used by the %s on line %d (hosts, routers and zones share "
            "one set of names)", name, kinds[old->kind], old->line);
    return NULL;
  }
  pf_point *p = g_new0(pf_point, 1);
  p->name = g_strdup(name);
  p->kind = kind;
  p->line = r->line;
  p->zone = zone;
  g_ptr_array_add(r->pf->all_points, p);
  g_hash_table_insert(r->pf->points, p->name, p);
  if (zone) {
    p->index = (int)zone->points->len;
    g_ptr_array_add(zone->points, p);
  }
  if (kind == PF_HOST)
    g_ptr_array_add(r->pf->host_names, g_strdup(name));
  return p;
}

/* One name SimGrid will know a link by. */
static bool add_link_name(pf_reader *r, char *name)
{
  gpointer first = g_hash_table_lookup(r->pf->links, name);
  if (first) {
    pr_fail(r, r->line, "link '%s' is defined twice (first on line %d)", name, GPOINTER_TO_INT(first));
    g_free(name);
    return false;
  }
  g_hash_table_insert(r->pf->links, name, GINT_TO_POINTER(r->line));
  g_ptr_array_add(r->pf->link_names, g_strdup(name));
  return true;
}

bool pr_add_link(pf_reader *r, const char *name, bool split)
{
  if (r->pf->first_link_line == 0) {
    r->pf->first_link_line = r->line;
    r->pf->first_link = g_strdup(name);
  }
  if (!split)
    return add_link_name(r, g_strdup(name));
  if (g_hash_table_contains(r->pf->split, name))
    return pr_fail(r, r->line, "link '%s' is defined twice (first on line %d)", name,
                   GPOINTER_TO_INT(g_hash_table_lookup(r->pf->split, name)));
  g_hash_table_insert(r->pf->split, g_strdup(name), GINT_TO_POINTER(r->line));
  return add_link_name(r, g_strconcat(name, "_UP", NULL)) && add_link_name(r, g_strconcat(name, "_DOWN", NULL));
}

/* Whether `word` is one of the space-separated words of `list`. */
static bool word_in(const char *word, const char *list)
{
  size_t n = strlen(word);
  for (const char *p = list; *p;) {
    while (*p == ' ')
      p++;
    size_t m = strcspn(p, " ");
    if (m == n && strncmp(p, word, n) == 0)
      return true;
    p += m;
  }
  return false;
}

/* Unknown, repeated and missing attributes, and control characters in values. */
static bool check_attrs(pf_reader *r, const pr_rule *rule, const char **names, const char **values)
{
  for (size_t i = 0; names[i]; i++) {
    if (!word_in(names[i], rule->required) && !word_in(names[i], rule->optional))
      return pr_fail(r, r->line, "unknown attribute '%s' on <%s>", names[i], rule->name);
    for (size_t j = 0; j < i; j++)
      if (strcmp(names[i], names[j]) == 0)
        return pr_fail(r, r->line, "attribute '%s' given twice on <%s>", names[i], rule->name);
    const char *bad = sv_control_char(values[i], false);
    if (bad)
      return pr_fail(r, r->line, "control character U+%04X in attribute '%s' of <%s>",
                     (unsigned)(unsigned char)*bad, names[i], rule->name);
  }
  char **req = g_strsplit(rule->required, " ", -1);
  bool ok = true;
  for (char **q = req; ok && *q; q++)
    if (**q && pr_attr(names, values, *q) == NULL)
      ok = pr_fail(r, r->line, "missing attribute '%s' on <%s>", *q, rule->name);
  g_strfreev(req);
  return ok;
}

/* The DTD's order inside a zone: <prop>s first; then either zones (clusters, peers) and then
 * zoneRoutes, or hosts (routers, cabinets, host links) and then routes; links and backbones with
 * either, but before the routes. */
static bool check_place(pf_reader *r, const pr_rule *rule, const char *parent)
{
  pf_zone *z = pr_zone(r);
  if (rule->place == PLACE_CHILD || z == NULL || !word_in(parent, ZONES))
    return true;
  if (rule->place == PLACE_PROP) {
    if (z->children_begun)
      return pr_fail(r, r->line, "<prop> must come first in zone '%s'", z->id);
    return true;
  }
  z->children_begun = true;
  bool route = rule->place == PLACE_INNER_ROUTE || rule->place == PLACE_LEAF_ROUTE;
  int branch = rule->place == PLACE_INNER_DEF || rule->place == PLACE_INNER_ROUTE ? 1
               : rule->place == PLACE_LEAF_DEF || rule->place == PLACE_LEAF_ROUTE ? 2
                                                                                   : 0;
  if (!route && z->routes_begun)
    return pr_fail(r, r->line, "<%s> must come before the routes of zone '%s'", rule->name, z->id);
  if (branch && z->branch && branch != z->branch)
    return pr_fail(r, r->line, "<%s> cannot stand in zone '%s', which holds %s: a zone holds either zones "
                   "(with zoneRoutes) or hosts and routers (with routes), not both", rule->name, z->id,
                   z->branch == 1 ? "zones" : "hosts or routers");
  if (branch)
    z->branch = branch;
  z->routes_begun = z->routes_begun || route;
  return true;
}

/* The rule of an element name, or NULL for an unknown one. */
static const pr_rule *find_rule(const char *name)
{
  for (size_t i = 0; i < G_N_ELEMENTS(rules); i++)
    if (strcmp(rules[i].name, name) == 0)
      return &rules[i];
  return NULL;
}

/* The line of the start tag GMarkup hands over now: its '<', from the pre-scan. */
static int start_tag_line(pf_reader *r, GMarkupParseContext *ctx)
{
  int line = 0, col = 0;
  guint i = r->tags_seen++;
  if (i < r->tag_lines->len)
    return g_array_index(r->tag_lines, int, i);
  g_markup_parse_context_get_position(ctx, &line, &col);
  return line;
}

/* One start tag: refused, unknown or misplaced elements first, then attributes, order, handler. */
static void start_element(pf_reader *r, const char *element, const char *parent, const char **names,
                          const char **values)
{
  if (!r->seen_root) {
    r->seen_root = true;
    if (strcmp(element, "platform") != 0) {
      pr_fail(r, r->line, "not a SimGrid platform: the root element is not <platform>");
      return;
    }
  }
  for (size_t i = 0; i < G_N_ELEMENTS(refused); i++)
    if (strcmp(refused[i].name, element) == 0) {
      pr_fail(r, r->line, "%s", refused[i].why);
      return;
    }
  const pr_rule *rule = find_rule(element);
  if (rule == NULL) {
    pr_fail(r, r->line, "unknown element <%s> (SimGrid 3.32's platform format has no such element)", element);
    return;
  }
  bool placed = parent == NULL ? rule->parents[0] == '\0' : word_in(parent, rule->parents);
  if (!placed) {
    pr_fail(r, r->line, "<%s> does not belong in <%s>", element, parent ? parent : "the document");
    return;
  }
  if (check_attrs(r, rule, names, values) && check_place(r, rule, parent ? parent : ""))
    rule->start(r, names, values);
}

/* GMarkup's start tag: the element's line, then start_element. */
static void on_start(GMarkupParseContext *ctx, const char *element, const char **names, const char **values,
                     gpointer data, GError **error)
{
  pf_reader *r = data;
  const GSList *stack = g_markup_parse_context_get_element_stack(ctx);
  const char *parent = stack->next ? stack->next->data : NULL;
  r->line = start_tag_line(r, ctx);
  if (parent == NULL && r->seen_root && r->err == NULL)
    pr_fail(r, r->line, "a second root element <%s> after <platform>", element);
  else
    start_element(r, element, parent, names, values);
  if (r->err)
    g_set_error_literal(error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, r->err);
}

/* GMarkup's end tag: routes and zones finish there. */
static void on_end(GMarkupParseContext *ctx, const char *element, gpointer data, GError **error)
{
  pf_reader *r = data;
  int col = 0;
  g_markup_parse_context_get_position(ctx, &r->line, &col);
  if (word_in(element, ROUTES))
    pe_route_end(r);
  else if (word_in(element, ZONES))
    pe_zone_end(r);
  if (r->err)
    g_set_error_literal(error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, r->err);
}

/* No element of the format holds text (but <trace>, which is refused). */
static void on_text(GMarkupParseContext *ctx, const char *text, gsize len, gpointer data, GError **error)
{
  pf_reader *r = data;
  gsize i = 0;
  while (i < len && g_ascii_isspace(text[i]))
    i++;
  if (i == len)
    return;
  int line = 0, col = 0;
  g_markup_parse_context_get_position(ctx, &line, &col);
  for (; i < len; i++)
    line -= text[i] == '\n';
  const char *element = g_markup_parse_context_get_element(ctx);
  pr_fail(r, line, "unexpected text in <%s>", element ? element : "the document");
  g_set_error_literal(error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, r->err);
}

/* Frees a zone record (its points belong to the platform). */
static void zone_free(gpointer p)
{
  pf_zone *z = p;
  g_free(z->id);
  g_ptr_array_unref(z->points);
  g_array_unref(z->edges);
  g_hash_table_unref(z->routes);
  g_hash_table_unref(z->bypass);
  g_ptr_array_unref(z->host_links);
  g_free(z);
}

/* Frees a netpoint record. */
static void point_free(gpointer p)
{
  pf_point *pt = p;
  g_free(pt->name);
  g_free(pt);
}

void platform_free(platform *pf)
{
  if (pf == NULL)
    return;
  g_free(pf->path);
  g_ptr_array_unref(pf->zones);
  g_hash_table_unref(pf->points);
  g_ptr_array_unref(pf->all_points);
  g_hash_table_unref(pf->links);
  g_hash_table_unref(pf->split);
  g_ptr_array_unref(pf->host_names);
  g_ptr_array_unref(pf->link_names);
  g_free(pf->first_link);
  g_free(pf);
}

/* An empty platform record for `path`. */
static platform *platform_new(const char *path)
{
  platform *pf = g_new0(platform, 1);
  pf->path = g_strdup(path);
  pf->zones = g_ptr_array_new_with_free_func(zone_free);
  pf->all_points = g_ptr_array_new_with_free_func(point_free);
  pf->points = g_hash_table_new(g_str_hash, g_str_equal);
  pf->links = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  pf->split = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  pf->host_names = g_ptr_array_new_with_free_func(g_free);
  pf->link_names = g_ptr_array_new_with_free_func(g_free);
  return pf;
}

/* The GMarkup pass; false with r->err. */
static bool parse(pf_reader *r, const char *text, size_t len)
{
  int nul = sv_nul_line(text, len);
  if (nul)
    return pr_fail(r, nul, "a NUL byte: a platform file is text");
  GMarkupParser parser = {on_start, on_end, on_text, NULL, NULL};
  GMarkupParseContext *ctx = g_markup_parse_context_new(&parser, 0, r, NULL);
  GError *error = NULL;
  sv_scan_tag_lines(text, len, r->tag_lines);
  if (!g_markup_parse_context_parse(ctx, text, (gssize)len, &error) ||
      !g_markup_parse_context_end_parse(ctx, &error)) {
    int line = 0, col = 0;
    g_markup_parse_context_get_position(ctx, &line, &col);
    pr_fail(r, line, "malformed XML: %s", sv_markup_what(error->message));
    g_error_free(error);
  }
  g_markup_parse_context_free(ctx);
  if (r->err == NULL && !r->seen_root)
    pr_fail(r, 1, "not a SimGrid platform: no <platform> element");
  if (r->err == NULL && r->pf->root == NULL)
    pr_fail(r, 1, "the platform defines no zone (SimGrid needs one <zone> or <cluster> holding everything)");
  return r->err == NULL;
}

platform *platform_load(const char *path, char **err)
{
  char *text = NULL, *why = NULL;
  size_t len = 0;
  if (!sv_read_file(path, &text, &len, &why)) {
    *err = g_strdup_printf("%s: cannot be read: %s", path, why);
    g_free(why);
    return NULL;
  }
  pf_reader r = {0};
  r.pf = platform_new(path);
  r.tag_lines = g_array_new(FALSE, FALSE, sizeof(int));
  r.zone_stack = g_ptr_array_new();
  bool ok = parse(&r, text, len);
  g_array_unref(r.tag_lines);
  g_ptr_array_unref(r.zone_stack);
  g_free(text);
  if (!ok) {
    *err = r.err;
    platform_free(r.pf);
    return NULL;
  }
  return r.pf;
}

bool platform_scan(const char *path, GPtrArray *hosts, GPtrArray *links, char **err)
{
  platform *pf = platform_load(path, err);
  if (pf == NULL)
    return false;
  for (guint i = 0; i < pf->host_names->len; i++)
    g_ptr_array_add(hosts, g_strdup(pf->host_names->pdata[i]));
  for (guint i = 0; i < pf->link_names->len; i++)
    g_ptr_array_add(links, g_strdup(pf->link_names->pdata[i]));
  platform_free(pf);
  return true;
}

/* Appends one item ("a" or "a-b") of a radical; false if malformed or the list grows too big. */
static bool expand_item(const char *item, GArray *out)
{
  guint64 lo = 0, hi = 0;
  const char *why;
  char **ends = g_strsplit(item, "-", 3);
  guint n = g_strv_length(ends);
  bool ok = (n == 1 || n == 2) && sv_uint(ends[0], 0, G_MAXINT, &lo, &why) &&
            sv_uint(ends[n - 1], 0, G_MAXINT, &hi, &why) && lo <= hi && out->len + (hi - lo + 1) <= RADICAL_MAX;
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
