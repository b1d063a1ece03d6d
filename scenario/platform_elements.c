/* One handler per element of a SimGrid 3.32 platform file: each checks its values and names the
 * way SimGrid will use them (sg_platf.cpp, surfxml_sax_cb.cpp, the zones' add_route) and records
 * what SimGrid would build: zones, netpoints, links, routes. */
#include "platform_read.h"
#include "platform_scan.h"
#include "scenario_internal.h"

#include <math.h>
#include <string.h>

#define ATTR(n) pr_attr(names, values, n)

/* --- values ---------------------------------------------------------------------------------- */

bool pe_bad_value(pf_reader *r, const char *element, const char *attr, const char *text, const char *why)
{
  return pr_fail(r, r->line, "bad %s '%s' on <%s>: %s", attr, text, element, why);
}

/* A speed per pstate (the starting one above 0). */
bool pe_speed_list(pf_reader *r, const char *element, const char *text, guint pstate, guint *n)
{
  const char *why = NULL;
  return pf_speeds(text, pstate, n, &why) ||
         pe_bad_value(r, element, "speed", text, why ? why : "not a speed (e.g. 1Gf, or a list 1Gf,500Mf)");
}

/* A bandwidth above 0, or no attribute at all. */
bool pe_bandwidth(pf_reader *r, const char *element, const char *attr, const char *text)
{
  double v;
  const char *why = NULL;
  return text == NULL || pf_bandwidth(text, &v, &why) || pe_bad_value(r, element, attr, text, why);
}

/* A bandwidth attribute whose value decides whether SimGrid makes a link (bb_bw, loopback_bw,
 * limiter_link): *v is 0 when it is absent. */
bool pe_optional_bandwidth(pf_reader *r, const char *element, const char *attr, const char *text, double *v)
{
  const char *why = NULL;
  *v = 0;
  return text == NULL || pf_bandwidth(text, v, &why) || pe_bad_value(r, element, attr, text, why);
}

/* A latency of 0 or more (*v 0 when absent). */
bool pe_latency(pf_reader *r, const char *element, const char *attr, const char *text, double *v)
{
  const char *why = NULL;
  *v = 0;
  return text == NULL || pf_time(text, v, &why) || pe_bad_value(r, element, attr, text, why);
}

/* A core count of 1 or more (SimGrid aborts on 0). */
bool pe_core(pf_reader *r, const char *element, const char *text)
{
  long n;
  return text == NULL || pf_whole(text, 1, 1000000, &n) ||
         pe_bad_value(r, element, "core", text, "expected a whole number of cores, 1 or more");
}

/* speed_file, state_file and the like: SimGrid profiles, which would turn hosts and links off
 * and on behind the scenario's faults. */
static bool no_profiles(pf_reader *r, const char *element, const char **names, const char **values)
{
  for (size_t i = 0; names[i]; i++)
    if (g_str_has_suffix(names[i], "_file") && values[i][0] != '\0')
      return pr_fail(r, r->line, "%s= on <%s> is not supported: replsim drives hosts and links with the "
                     "scenario's <faults>, not with SimGrid profiles", names[i], element);
  return true;
}

/* One of `choices` (space-separated), exactly as written or without regard to case. */
bool pe_one_of(pf_reader *r, const char *element, const char *attr, const char *text, const char *choices,
               bool any_case)
{
  if (text == NULL)
    return true;
  char **words = g_strsplit(choices, " ", -1);
  bool found = false;
  for (char **w = words; !found && *w; w++)
    found = any_case ? g_ascii_strcasecmp(*w, text) == 0 : strcmp(*w, text) == 0;
  g_strfreev(words);
  if (!found)
    pr_fail(r, r->line, "bad %s '%s' on <%s> (expected one of %s)", attr, text, element, choices);
  return found;
}

/* Coordinates, when given, as three numbers: SimGrid asserts that of any it reads. */
static bool coordinates(pf_reader *r, const char *element, const char *text)
{
  return text == NULL || text[0] == '\0' || pf_coordinates(text) ||
         pe_bad_value(r, element, "coordinates", text, "expected three numbers, e.g. \"12.5 -3 0.8\"");
}

/* The zone an element must stand in, by routing kind. */
pf_zone *pe_zone_of_kind(pf_reader *r, const char *element, pf_routing kind, const char *what)
{
  pf_zone *z = pr_zone(r);
  if (z == NULL || z->routing != kind) {
    pr_fail(r, r->line, "<%s> only works in a %s zone%s%s%s", element, what, z ? " ('" : "", z ? z->id : "",
            z ? "' is not one)" : "");
    return NULL;
  }
  return z;
}

/* --- structure ------------------------------------------------------------------------------- */

bool pe_platform(pf_reader *r, const char **names, const char **values)
{
  const char *version = ATTR("version");
  double v = 0;
  if (version == NULL)
    return pr_fail(r, r->line, "<platform> has no version (SimGrid 3.32 reads version=\"4\" and \"4.1\")");
  if (!sv_number(version, &v))
    return pr_fail(r, r->line, "bad version '%s' on <platform>: not a number", version);
  long hundredths = lround(100 * v);
  if (hundredths < 400)
    return pr_fail(r, r->line, "version %s is too old for SimGrid 3.32 (it reads 4 and 4.1; simgrid_update_xml "
                   "upgrades a file)", version);
  if (hundredths > 410)
    return pr_fail(r, r->line, "version %s is newer than SimGrid 3.32 reads (4.1 at most)", version);
  return true;
}

/* A zone's record, placed under the zone open now (or as the root). */
pf_zone *pe_new_zone(pf_reader *r, const char *id, pf_routing routing)
{
  pf_zone *parent = pr_zone(r);
  if (parent == NULL && r->top_zones++ > 0) {
    pr_fail(r, r->line, "a second top-level zone '%s': SimGrid takes one zone (or cluster) holding everything",
            id);
    return NULL;
  }
  pf_point *point = pr_add_point(r, parent, id, PF_ZONE);
  if (point == NULL)
    return NULL;
  pf_zone *z = g_new0(pf_zone, 1);
  z->id = g_strdup(id);
  z->routing = routing;
  z->line = r->line;
  z->parent = parent;
  z->point = parent ? point : NULL;
  point->self = z;
  z->points = g_ptr_array_new();
  z->edges = g_array_new(FALSE, FALSE, sizeof(pf_edge));
  z->routes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  z->bypass = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  z->host_links = g_ptr_array_new();
  g_ptr_array_add(r->pf->zones, z);
  if (parent == NULL)
    r->pf->root = z;
  return z;
}

/* <zone>/<AS>: a new zone of a known routing, opened until its end tag. */
bool pe_zone(pf_reader *r, const char **names, const char **values)
{
  static const struct {
    const char *name;
    pf_routing routing;
  } kinds[] = {{"Full", PF_FULL},       {"Floyd", PF_FLOYD},     {"Dijkstra", PF_DIJKSTRA},
               {"DijkstraCache", PF_DIJKSTRA_CACHE}, {"None", PF_NONE}, {"Vivaldi", PF_VIVALDI},
               {"Wifi", PF_WIFI},       {"Cluster", PF_CLUSTER}};
  const char *routing = ATTR("routing");
  for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++)
    if (g_ascii_strcasecmp(routing, kinds[i].name) == 0) {
      pf_zone *z = pe_new_zone(r, ATTR("id"), kinds[i].routing);
      if (z)
        g_ptr_array_add(r->zone_stack, z);
      return z != NULL;
    }
  return pr_fail(r, r->line, "unknown routing '%s' on <zone> (SimGrid 3.32 has Full, Floyd, Dijkstra, "
                 "DijkstraCache, None, Vivaldi, Wifi and Cluster)", routing);
}

/* A <host_link> resolved at the end of its Cluster zone: a host of the zone, two known links. */
static bool resolve_host_link(pf_reader *r, pf_zone *z, pf_host_link *hl)
{
  pf_point *p = g_hash_table_lookup(r->pf->points, hl->host);
  r->line = hl->line;
  if (p == NULL || p->kind != PF_HOST || p->zone != z)
    return pr_fail(r, hl->line, "<host_link id=\"%s\">: zone '%s' has no host of that name", hl->host, z->id);
  if (p->up)
    return pr_fail(r, hl->line, "host '%s' has two <host_link>s", hl->host);
  const char *missing = !g_hash_table_contains(r->pf->links, hl->up)     ? hl->up
                        : !g_hash_table_contains(r->pf->links, hl->down) ? hl->down
                                                                          : NULL;
  if (missing)
    return pr_fail(r, hl->line, "<host_link> of '%s' names link '%s', which the platform does not define%s",
                   hl->host, missing,
                   g_hash_table_contains(r->pf->split, missing) ? " (a SPLITDUPLEX link is X_UP and X_DOWN)" : "");
  p->up = p->down = true;
  return true;
}

/* Frees a pending <host_link> once its zone is read. */
static void host_link_free(pf_host_link *hl)
{
  g_free(hl->host);
  g_free(hl->up);
  g_free(hl->down);
  g_free(hl);
}

/* The end of a zone: its host links are resolved against its hosts, and it closes. */
bool pe_zone_end(pf_reader *r)
{
  pf_zone *z = pr_zone(r);
  bool ok = true;
  for (guint i = 0; ok && z && i < z->host_links->len; i++)
    ok = resolve_host_link(r, z, z->host_links->pdata[i]);
  for (guint i = 0; z && i < z->host_links->len; i++)
    host_link_free(z->host_links->pdata[i]);
  if (z)
    g_ptr_array_set_size(z->host_links, 0);
  if (r->zone_stack->len)
    g_ptr_array_set_size(r->zone_stack, r->zone_stack->len - 1);
  return ok;
}

/* --- hosts, routers, links ------------------------------------------------------------------- */

bool pe_peer(pf_reader *r, const char **names, const char **values)
{
  pf_zone *z = pe_zone_of_kind(r, "peer", PF_VIVALDI, "Vivaldi");
  double speed, lat;
  const char *why = NULL;
  const char *coords = ATTR("coordinates");
  bool ok = z && no_profiles(r, "peer", names, values) &&
            (pf_speed(ATTR("speed"), &speed, &why) || pe_bad_value(r, "peer", "speed", ATTR("speed"), why)) &&
            pe_bandwidth(r, "peer", "bw_in", ATTR("bw_in")) && pe_bandwidth(r, "peer", "bw_out", ATTR("bw_out")) &&
            pe_latency(r, "peer", "lat", ATTR("lat"), &lat) && coordinates(r, "peer", coords);
  if (ok && (coords == NULL || coords[0] == '\0'))
    ok = pr_fail(r, r->line, "<peer> '%s' has no coordinates, which a Vivaldi zone needs", ATTR("id"));
  pf_point *p = ok ? pr_add_point(r, z, ATTR("id"), PF_HOST) : NULL;
  if (p == NULL)
    return false;
  p->up = p->down = p->coords = true;
  char *up = g_strconcat("link_", ATTR("id"), "_UP", NULL), *down = g_strconcat("link_", ATTR("id"), "_DOWN", NULL);
  ok = pr_add_link(r, up, false) && pr_add_link(r, down, false);
  g_free(up);
  g_free(down);
  return ok;
}

/* <host>: speeds per pstate, cores, coordinates; no profiles. */
bool pe_host(pf_reader *r, const char **names, const char **values)
{
  guint n_speeds = 0;
  const char *pstate = ATTR("pstate"), *coords = ATTR("coordinates");
  double p = 0;
  if (pstate && (!sv_number(pstate, &p) || p < 0 || p != floor(p) || p > 1000))
    return pr_fail(r, r->line, "bad pstate '%s' on <host>: expected the index of one of its speeds", pstate);
  bool ok = no_profiles(r, "host", names, values) && pe_speed_list(r, "host", ATTR("speed"), (guint)p, &n_speeds) &&
            pe_core(r, "host", ATTR("core")) && coordinates(r, "host", coords);
  pf_point *pt = ok ? pr_add_point(r, pr_zone(r), ATTR("id"), PF_HOST) : NULL;
  if (pt)
    pt->coords = coords && coords[0];
  return pt != NULL;
}

/* <disk> of a host: two bandwidths. */
bool pe_disk(pf_reader *r, const char **names, const char **values)
{
  return pe_bandwidth(r, "disk", "read_bw", ATTR("read_bw")) && pe_bandwidth(r, "disk", "write_bw", ATTR("write_bw"));
}

/* <router>: a netpoint that is not a host. */
bool pe_router(pf_reader *r, const char **names, const char **values)
{
  const char *coords = ATTR("coordinates");
  pf_point *p = coordinates(r, "router", coords) ? pr_add_point(r, pr_zone(r), ATTR("id"), PF_ROUTER) : NULL;
  if (p)
    p->coords = coords && coords[0];
  return p != NULL;
}

/* <link>: one bandwidth above 0, a latency (required in practice), a sharing policy; a
 * SPLITDUPLEX link is known as X_UP and X_DOWN. */
bool pe_link(pf_reader *r, const char **names, const char **values)
{
  const char *policy = ATTR("sharing_policy") ? ATTR("sharing_policy") : "SHARED";
  const char *bw = ATTR("bandwidth");
  double lat;
  if (!no_profiles(r, "link", names, values) ||
      !pe_one_of(r, "link", "sharing_policy", policy, "SHARED SPLITDUPLEX FULLDUPLEX FATPIPE WIFI", false))
    return false;
  if (strcmp(policy, "WIFI") == 0)
    return pr_fail(r, r->line, "WIFI links belong to Wifi zones, whose routes replsim cannot check; use a SHARED "
                   "or SPLITDUPLEX link");
  if (strpbrk(bw, ",;"))
    return pr_fail(r, r->line, "bad bandwidth '%s' on <link>: only WIFI links take several bandwidths", bw);
  if (ATTR("latency") == NULL)
    return pr_fail(r, r->line, "missing attribute 'latency' on <link> (SimGrid 3.32 refuses a link without one, "
                   "whatever its DTD says; write latency=\"0\" for none)");
  return pe_bandwidth(r, "link", "bandwidth", bw) && pe_latency(r, "link", "latency", ATTR("latency"), &lat) &&
         pr_add_link(r, ATTR("id"), strcmp(policy, "SPLITDUPLEX") == 0 || strcmp(policy, "FULLDUPLEX") == 0);
}

/* <backbone>: the shared link of a routing="Cluster" zone (SimGrid ignores it elsewhere). */
bool pe_backbone(pf_reader *r, const char **names, const char **values)
{
  pf_zone *z = pe_zone_of_kind(r, "backbone", PF_CLUSTER, "routing=\"Cluster\"");
  double lat;
  if (z == NULL)
    return false;
  if (z->backbone_line)
    return pr_fail(r, r->line, "zone '%s' has a second <backbone> (the first is on line %d)", z->id,
                   z->backbone_line);
  z->backbone_line = r->line;
  return pe_bandwidth(r, "backbone", "bandwidth", ATTR("bandwidth")) &&
         pe_latency(r, "backbone", "latency", ATTR("latency"), &lat) && pr_add_link(r, ATTR("id"), false);
}

/* <host_link>: kept until the Cluster zone ends, when its host and links are all known. */
bool pe_host_link(pf_reader *r, const char **names, const char **values)
{
  pf_zone *z = pe_zone_of_kind(r, "host_link", PF_CLUSTER, "routing=\"Cluster\"");
  if (z == NULL)
    return false;
  pf_host_link *hl = g_new0(pf_host_link, 1);
  hl->host = g_strdup(ATTR("id"));
  hl->up = g_strdup(ATTR("up"));
  hl->down = g_strdup(ATTR("down"));
  hl->line = r->line;
  g_ptr_array_add(z->host_links, hl);
  return true;
}

/* <prop>: a property; nothing in it matters to routing. */
bool pe_prop(pf_reader *r, const char **names, const char **values)
{
  (void)r;
  (void)names;
  (void)values;
  return true;
}

/* --- routes ---------------------------------------------------------------------------------- */

/* The zone open now, which must route by explicit routes. */
static pf_zone *routed_zone(pf_reader *r, const char *element)
{
  static const char *const kinds[] = {"Full", "Floyd", "Dijkstra", "DijkstraCache", "None", "Vivaldi", "Wifi",
                                      "Cluster"};
  pf_zone *z = pr_zone(r);
  if (z && z->routing <= PF_DIJKSTRA_CACHE)
    return z;
  pr_fail(r, r->line, "<%s> in zone '%s' (routing %s): only Full, Floyd, Dijkstra and DijkstraCache zones take "
          "routes", element, z ? z->id : "?", z && z->routing <= PF_CLUSTER ? kinds[z->routing] : "cluster");
  return NULL;
}

/* A netpoint a route names: it must exist, and be a host or router of `z` (or a zone inside it). */
static pf_point *route_end(pf_reader *r, pf_zone *z, const char *element, const char *attr, const char *name,
                           bool zone)
{
  pf_point *p = g_hash_table_lookup(r->pf->points, name);
  if (p == NULL) {
    pr_fail(r, r->line, "<%s %s=\"%s\">: no %s of that name is defined before it", element, attr, name,
            zone ? "zone" : "host or router");
    return NULL;
  }
  if (zone != (p->kind == PF_ZONE)) {
    pr_fail(r, r->line, "<%s %s=\"%s\">: '%s' is a %s; %s", element, attr, name, name,
            p->kind == PF_ZONE ? "zone" : "host or router",
            zone ? "a zoneRoute joins two zones" : "join zones with <zoneRoute>");
    return NULL;
  }
  if (p->zone != z) {
    pr_fail(r, r->line, "<%s %s=\"%s\">: '%s' is in zone '%s', not directly in zone '%s' where the route "
            "stands", element, attr, name, name, p->zone ? p->zone->id : "(none)", z->id);
    return NULL;
  }
  return p;
}

/* Whether `p` lies inside zone `z`, at any depth. */
static bool inside(const pf_point *p, const pf_zone *z)
{
  for (const pf_zone *y = p->zone; y; y = y->parent)
    if (y == z)
      return true;
  return false;
}

/* A zoneRoute gateway: a host or router inside the zone it stands for, at any depth. */
static pf_point *gateway(pf_reader *r, const char *element, const char *attr, const char *name, pf_point *side)
{
  pf_point *p = g_hash_table_lookup(r->pf->points, name);
  if (p == NULL || p->kind == PF_ZONE) {
    pr_fail(r, r->line, "<%s %s=\"%s\">: no host or router of that name is defined before it", element, attr, name);
    return NULL;
  }
  if (!inside(p, side->self)) {
    pr_fail(r, r->line, "<%s %s=\"%s\">: '%s' is not inside zone '%s'", element, attr, name, name, side->name);
    return NULL;
  }
  return p;
}

/* symmetrical="YES|NO" (any case), YES when absent. */
static bool symmetrical(pf_reader *r, const char *element, const char **names, const char **values, bool *out)
{
  const char *s = ATTR("symmetrical");
  *out = s == NULL || g_ascii_strcasecmp(s, "YES") == 0;
  return pe_one_of(r, element, "symmetrical", s, "YES NO yes no", false);
}

/* Starts collecting a route's <link_ctn> children. */
static void begin_route(pf_reader *r, const char *element, pf_point *src, pf_point *dst, bool sym, bool bypass)
{
  r->route = (pf_pending_route){true, element, src, dst, NULL, NULL, sym, bypass, 0, r->line};
}

/* <route> between two hosts or routers of the zone. */
bool pe_route(pf_reader *r, const char **names, const char **values)
{
  pf_zone *z = routed_zone(r, "route");
  bool sym;
  pf_point *src = z ? route_end(r, z, "route", "src", ATTR("src"), false) : NULL;
  pf_point *dst = src ? route_end(r, z, "route", "dst", ATTR("dst"), false) : NULL;
  if (dst == NULL || !symmetrical(r, "route", names, values, &sym))
    return false;
  begin_route(r, "route", src, dst, sym, false);
  return true;
}

/* <zoneRoute>/<ASroute> between two sub-zones, through a gateway inside each. */
bool pe_zone_route(pf_reader *r, const char **names, const char **values)
{
  pf_zone *z = routed_zone(r, "zoneRoute");
  bool sym;
  pf_point *src = z ? route_end(r, z, "zoneRoute", "src", ATTR("src"), true) : NULL;
  pf_point *dst = src ? route_end(r, z, "zoneRoute", "dst", ATTR("dst"), true) : NULL;
  pf_point *gw_src = dst ? gateway(r, "zoneRoute", "gw_src", ATTR("gw_src"), src) : NULL;
  pf_point *gw_dst = gw_src ? gateway(r, "zoneRoute", "gw_dst", ATTR("gw_dst"), dst) : NULL;
  if (gw_dst == NULL || !symmetrical(r, "zoneRoute", names, values, &sym))
    return false;
  if (gw_src == gw_dst)
    return pr_fail(r, r->line, "<zoneRoute> from '%s' to '%s' has the same gateway on both sides", src->name,
                   dst->name);
  begin_route(r, "zoneRoute", src, dst, sym, false);
  r->route.gw_src = gw_src;
  r->route.gw_dst = gw_dst;
  return true;
}

/* <bypassRoute>: a direct route between two points of the zone, used before any other. */
bool pe_bypass_route(pf_reader *r, const char **names, const char **values)
{
  pf_zone *z = pr_zone(r);
  pf_point *src = z ? route_end(r, z, "bypassRoute", "src", ATTR("src"), false) : NULL;
  pf_point *dst = src ? route_end(r, z, "bypassRoute", "dst", ATTR("dst"), false) : NULL;
  if (dst == NULL)
    return false;
  begin_route(r, "bypassRoute", src, dst, false, true);
  return true;
}

/* <link_ctn>: a link defined before, named with its direction if SPLITDUPLEX. */
bool pe_link_ctn(pf_reader *r, const char **names, const char **values)
{
  const char *id = ATTR("id"), *dir = ATTR("direction") ? ATTR("direction") : "NONE";
  if (!pe_one_of(r, "link_ctn", "direction", dir, "UP DOWN NONE", false))
    return false;
  bool split = g_hash_table_contains(r->pf->split, id);
  if (strcmp(dir, "NONE") == 0 && split)
    return pr_fail(r, r->line, "<link_ctn id=\"%s\">: '%s' is SPLITDUPLEX: say direction=\"UP\" or \"DOWN\"", id, id);
  if (strcmp(dir, "NONE") != 0 && !split)
    return pr_fail(r, r->line, "<link_ctn id=\"%s\" direction=\"%s\">: no SPLITDUPLEX link of that name is defined "
                   "before it%s", id, dir, g_hash_table_contains(r->pf->links, id) ? " (it is not SPLITDUPLEX)" : "");
  if (!split && !g_hash_table_contains(r->pf->links, id))
    return pr_fail(r, r->line, "<link_ctn id=\"%s\">: no link of that name is defined before it", id);
  r->route.links++;
  return true;
}

/* Records the route once its links are known: not empty, not given twice (symmetrical routes
 * count both ways), as edges of the zone's graph. */
bool pe_route_end(pf_reader *r)
{
  pf_pending_route *rt = &r->route;
  if (!rt->active)
    return true;
  rt->active = false;
  pf_zone *z = rt->src->zone;
  if (rt->links == 0)
    return pr_fail(r, rt->line, "<%s> from '%s' to '%s' has no <link_ctn> (SimGrid forbids empty routes)",
                   rt->element, rt->src->name, rt->dst->name);
  GHashTable *seen = rt->bypass ? z->bypass : z->routes;
  for (int way = 0; way < (rt->symmetrical && rt->src != rt->dst ? 2 : 1); way++) {
    pf_point *a = way ? rt->dst : rt->src, *b = way ? rt->src : rt->dst;
    char *key = g_strconcat(a->name, "\n", b->name, NULL);
    gpointer first = g_hash_table_lookup(seen, key);
    if (first) {
      g_free(key);
      return pr_fail(r, rt->line, "a route from '%s' to '%s' is already given on line %d%s", a->name, b->name,
                     GPOINTER_TO_INT(first), way ? " (routes are symmetrical unless symmetrical=\"NO\")" : "");
    }
    g_hash_table_insert(seen, key, GINT_TO_POINTER(rt->line));
    if (!rt->bypass) {
      pf_edge e = {a->index, b->index, way ? rt->gw_dst : rt->gw_src, way ? rt->gw_src : rt->gw_dst, rt->line};
      g_array_append_val(z->edges, e);
    }
  }
  return true;
}
