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

static bool bad_value(pf_reader *r, const char *element, const char *attr, const char *text, const char *why)
{
  return pr_fail(r, r->line, "bad %s '%s' on <%s>: %s", attr, text, element, why);
}

static bool speed_list(pf_reader *r, const char *element, const char *text, guint pstate, guint *n)
{
  const char *why = NULL;
  return pf_speeds(text, pstate, n, &why) ||
         bad_value(r, element, "speed", text, why ? why : "not a speed (e.g. 1Gf, or a list 1Gf,500Mf)");
}

static bool bandwidth(pf_reader *r, const char *element, const char *attr, const char *text)
{
  double v;
  const char *why = NULL;
  return text == NULL || pf_bandwidth(text, &v, &why) || bad_value(r, element, attr, text, why);
}

/* A bandwidth attribute whose value decides whether SimGrid makes a link (bb_bw, loopback_bw,
 * limiter_link): *v is 0 when it is absent. */
static bool optional_bandwidth(pf_reader *r, const char *element, const char *attr, const char *text, double *v)
{
  const char *why = NULL;
  *v = 0;
  return text == NULL || pf_bandwidth(text, v, &why) || bad_value(r, element, attr, text, why);
}

static bool latency(pf_reader *r, const char *element, const char *attr, const char *text, double *v)
{
  const char *why = NULL;
  *v = 0;
  return text == NULL || pf_time(text, v, &why) || bad_value(r, element, attr, text, why);
}

static bool core(pf_reader *r, const char *element, const char *text)
{
  long n;
  return text == NULL || pf_whole(text, 1, 1000000, &n) ||
         bad_value(r, element, "core", text, "expected a whole number of cores, 1 or more");
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
static bool one_of(pf_reader *r, const char *element, const char *attr, const char *text, const char *choices,
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

static bool coordinates(pf_reader *r, const char *element, const char *text)
{
  return text == NULL || text[0] == '\0' || pf_coordinates(text) ||
         bad_value(r, element, "coordinates", text, "expected three numbers, e.g. \"12.5 -3 0.8\"");
}

/* The zone an element must stand in, by routing kind. */
static pf_zone *zone_of_kind(pf_reader *r, const char *element, pf_routing kind, const char *what)
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
static pf_zone *new_zone(pf_reader *r, const char *id, pf_routing routing)
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
      pf_zone *z = new_zone(r, ATTR("id"), kinds[i].routing);
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

static void host_link_free(pf_host_link *hl)
{
  g_free(hl->host);
  g_free(hl->up);
  g_free(hl->down);
  g_free(hl);
}

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

/* --- clusters -------------------------------------------------------------------------------- */

/* The positive whole numbers of a topo_parameters group ("2,3,4"); false if any is not one. */
static bool topo_numbers(const char *text, GArray *out)
{
  char **parts = g_strsplit(text, ",", -1);
  bool ok = parts[0] != NULL;
  for (char **p = parts; ok && *p; p++) {
    long v;
    ok = pf_whole(g_strstrip(*p), 1, 1000000, &v);
    if (ok) {
      int n = (int)v;
      g_array_append_val(out, n);
    }
  }
  g_strfreev(parts);
  return ok;
}

/* How many hosts a TORUS, FAT_TREE or DRAGONFLY topology has, or 0 if its parameters are not of
 * the form SimGrid reads ("X,Y,Z"; "L;d1,..;u1,..;p1,.."; "g,b;c,k;r,w;n"). */
static long topology_hosts(const char *topology, const char *params)
{
  char **groups = g_strsplit(params, ";", -1);
  guint n = g_strv_length(groups);
  GArray *nums = g_array_new(FALSE, FALSE, sizeof(int));
  long hosts = 0;
  if (strcmp(topology, "TORUS") == 0 && n == 1 && topo_numbers(groups[0], nums)) {
    hosts = 1;
    for (guint i = 0; i < nums->len && hosts <= 1000000; i++)
      hosts *= g_array_index(nums, int, i);
  } else if (strcmp(topology, "FAT_TREE") == 0 && n == 4 && topo_numbers(groups[0], nums) && nums->len == 1) {
    int levels = g_array_index(nums, int, 0);
    hosts = 1;
    for (guint g = 1; g < 4 && hosts; g++) {
      g_array_set_size(nums, 0);
      if (!topo_numbers(groups[g], nums) || (int)nums->len != levels)
        hosts = 0;
      for (guint i = 0; g == 1 && hosts && i < nums->len && hosts <= 1000000; i++)
        hosts *= g_array_index(nums, int, i);
    }
  } else if (strcmp(topology, "DRAGONFLY") == 0 && n == 4) {
    hosts = 1;
    for (guint g = 0; g < 4 && hosts; g++) {
      g_array_set_size(nums, 0);
      if (!topo_numbers(groups[g], nums) || nums->len != (g < 3 ? 2u : 1u))
        hosts = 0;
      else
        hosts *= g_array_index(nums, int, 0);
    }
  }
  g_array_unref(nums);
  g_strfreev(groups);
  return hosts > 1000000 ? 0 : hosts;
}

/* The link names a flat cluster makes for its host N (SimGrid 3.32's sg_platf_new_cluster_flat). */
static bool flat_cluster_links(pf_reader *r, const char *id, int n, bool split, bool loopback, bool limiter)
{
  char *link = g_strdup_printf("%s_link_%d", id, n);
  char *loop = g_strconcat(link, "_loopback", NULL), *lim = g_strconcat(link, "_limiter", NULL);
  bool ok = (!loopback || pr_add_link(r, loop, false)) && (!limiter || pr_add_link(r, lim, false)) &&
            pr_add_link(r, link, split);
  g_free(link);
  g_free(loop);
  g_free(lim);
  return ok;
}

/* The values of a <cluster>; the link-making ones are returned for its construction. */
static bool cluster_values(pf_reader *r, const char **names, const char **values, double *bb, double *loop_bw,
                           double *loop_lat, double *limiter)
{
  guint n_speeds;
  double v, bb_lat;
  const char *topology = ATTR("topology") ? ATTR("topology") : "FLAT";
  bool ok = speed_list(r, "cluster", ATTR("speed"), 0, &n_speeds) && core(r, "cluster", ATTR("core")) &&
            bandwidth(r, "cluster", "bw", ATTR("bw")) && latency(r, "cluster", "lat", ATTR("lat"), &v) &&
            optional_bandwidth(r, "cluster", "bb_bw", ATTR("bb_bw"), bb) &&
            latency(r, "cluster", "bb_lat", ATTR("bb_lat"), &bb_lat) &&
            optional_bandwidth(r, "cluster", "loopback_bw", ATTR("loopback_bw"), loop_bw) &&
            latency(r, "cluster", "loopback_lat", ATTR("loopback_lat"), loop_lat) &&
            optional_bandwidth(r, "cluster", "limiter_link", ATTR("limiter_link"), limiter) &&
            one_of(r, "cluster", "sharing_policy", ATTR("sharing_policy"), "SHARED SPLITDUPLEX FULLDUPLEX FATPIPE",
                   false) &&
            one_of(r, "cluster", "topology", topology, "FLAT TORUS FAT_TREE DRAGONFLY", false) &&
            one_of(r, "cluster", "bb_sharing_policy", ATTR("bb_sharing_policy"), "SHARED FATPIPE", false);
  if (ok && bb_lat > 0 && *bb == 0)
    ok = pr_fail(r, r->line, "<cluster> has bb_lat but no bb_bw: SimGrid would make a backbone of bandwidth 0");
  if (ok && *loop_lat > 0 && *loop_bw == 0)
    ok = pr_fail(r, r->line, "<cluster> has loopback_lat but no loopback_bw: SimGrid would make loopback links "
                 "of bandwidth 0");
  return ok;
}

bool pe_cluster(pf_reader *r, const char **names, const char **values)
{
  const char *id = ATTR("id"), *prefix = ATTR("prefix"), *suffix = ATTR("suffix");
  const char *topology = ATTR("topology") ? ATTR("topology") : "FLAT";
  const char *policy = ATTR("sharing_policy") ? ATTR("sharing_policy") : "SPLITDUPLEX";
  double bb = 0, loop_bw = 0, loop_lat = 0, limiter = 0;
  GArray *ns = g_array_new(FALSE, FALSE, sizeof(int));
  bool ok = cluster_values(r, names, values, &bb, &loop_bw, &loop_lat, &limiter);
  if (ok && !platform_expand_radical(ATTR("radical"), ns))
    ok = pr_fail(r, r->line, "bad radical '%s' on <cluster> (expected a list like \"1-8,10\")", ATTR("radical"));
  bool flat = strcmp(topology, "FLAT") == 0;
  long expected = flat ? 0 : topology_hosts(topology, ATTR("topo_parameters") ? ATTR("topo_parameters") : "");
  if (ok && !flat && expected == 0)
    ok = pr_fail(r, r->line, "bad topo_parameters '%s' for a %s <cluster>", ATTR("topo_parameters") ?
                 ATTR("topo_parameters") : "", topology);
  if (ok && !flat && expected != (long)ns->len)
    ok = pr_fail(r, r->line, "the %s topology '%s' has %ld hosts but the radical '%s' names %u", topology,
                 ATTR("topo_parameters"), expected, ATTR("radical"), ns->len);
  pf_zone *z = ok ? new_zone(r, id, flat ? PF_STAR : strcmp(topology, "TORUS") == 0 ? PF_TORUS
                                    : strcmp(topology, "FAT_TREE") == 0                ? PF_FAT_TREE
                                                                                       : PF_DRAGONFLY)
                  : NULL;
  ok = z != NULL;
  if (ok && r->pf->first_link_line == 0) {
    r->pf->first_link_line = r->line;
    r->pf->first_link = g_strdup_printf("%s's links", id);
  }
  bool split = strcmp(policy, "SPLITDUPLEX") == 0 || strcmp(policy, "FULLDUPLEX") == 0;
  for (guint i = 0; ok && i < ns->len; i++) {
    int n = g_array_index(ns, int, i);
    char *host = g_strdup_printf("%s%d%s", prefix, n, suffix);
    pf_point *p = pr_add_point(r, z, host, PF_HOST);
    g_free(host);
    ok = p != NULL && (!flat || flat_cluster_links(r, id, n, split, loop_bw > 0 || loop_lat > 0, limiter > 0));
    if (p) {
      p->up = p->down = true;
      p->loopback = loop_bw > 0 || loop_lat > 0;
    }
  }
  if (ok && flat && bb > 0) {
    char *backbone = g_strconcat(id, "_backbone", NULL);
    ok = pr_add_link(r, backbone, false);
    g_free(backbone);
  }
  if (ok && flat) {
    char *router = ATTR("router_id") && ATTR("router_id")[0] ? g_strdup(ATTR("router_id"))
                                                             : g_strconcat(prefix, id, "_router", suffix, NULL);
    pf_point *p = pr_add_point(r, z, router, PF_ROUTER);
    g_free(router);
    ok = p != NULL;
    if (p)
      p->up = p->down = true;
  }
  g_array_unref(ns);
  return ok;
}

bool pe_cabinet(pf_reader *r, const char **names, const char **values)
{
  pf_zone *z = zone_of_kind(r, "cabinet", PF_CLUSTER, "routing=\"Cluster\"");
  double speed, lat;
  const char *why = NULL;
  GArray *ns = g_array_new(FALSE, FALSE, sizeof(int));
  bool ok = z && (pf_speed(ATTR("speed"), &speed, &why) || bad_value(r, "cabinet", "speed", ATTR("speed"), why)) &&
            bandwidth(r, "cabinet", "bw", ATTR("bw")) && latency(r, "cabinet", "lat", ATTR("lat"), &lat);
  if (ok && !platform_expand_radical(ATTR("radical"), ns))
    ok = pr_fail(r, r->line, "bad radical '%s' on <cabinet> (expected a list like \"1-8,10\")", ATTR("radical"));
  for (guint i = 0; ok && i < ns->len; i++) {
    char *host = g_strdup_printf("%s%d%s", ATTR("prefix"), g_array_index(ns, int, i), ATTR("suffix"));
    char *up = g_strconcat("link_", host, "_UP", NULL), *down = g_strconcat("link_", host, "_DOWN", NULL);
    pf_point *p = pr_add_point(r, z, host, PF_HOST);
    ok = p && pr_add_link(r, up, false) && pr_add_link(r, down, false);
    if (p)
      p->up = p->down = true;
    g_free(host);
    g_free(up);
    g_free(down);
  }
  g_array_unref(ns);
  return ok;
}

/* --- hosts, routers, links ------------------------------------------------------------------- */

bool pe_peer(pf_reader *r, const char **names, const char **values)
{
  pf_zone *z = zone_of_kind(r, "peer", PF_VIVALDI, "Vivaldi");
  double speed, lat;
  const char *why = NULL;
  const char *coords = ATTR("coordinates");
  bool ok = z && no_profiles(r, "peer", names, values) &&
            (pf_speed(ATTR("speed"), &speed, &why) || bad_value(r, "peer", "speed", ATTR("speed"), why)) &&
            bandwidth(r, "peer", "bw_in", ATTR("bw_in")) && bandwidth(r, "peer", "bw_out", ATTR("bw_out")) &&
            latency(r, "peer", "lat", ATTR("lat"), &lat) && coordinates(r, "peer", coords);
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

bool pe_host(pf_reader *r, const char **names, const char **values)
{
  guint n_speeds = 0;
  const char *pstate = ATTR("pstate"), *coords = ATTR("coordinates");
  double p = 0;
  if (pstate && (!sv_number(pstate, &p) || p < 0 || p != floor(p) || p > 1000))
    return pr_fail(r, r->line, "bad pstate '%s' on <host>: expected the index of one of its speeds", pstate);
  bool ok = no_profiles(r, "host", names, values) && speed_list(r, "host", ATTR("speed"), (guint)p, &n_speeds) &&
            core(r, "host", ATTR("core")) && coordinates(r, "host", coords);
  pf_point *pt = ok ? pr_add_point(r, pr_zone(r), ATTR("id"), PF_HOST) : NULL;
  if (pt)
    pt->coords = coords && coords[0];
  return pt != NULL;
}

bool pe_disk(pf_reader *r, const char **names, const char **values)
{
  return bandwidth(r, "disk", "read_bw", ATTR("read_bw")) && bandwidth(r, "disk", "write_bw", ATTR("write_bw"));
}

bool pe_router(pf_reader *r, const char **names, const char **values)
{
  const char *coords = ATTR("coordinates");
  pf_point *p = coordinates(r, "router", coords) ? pr_add_point(r, pr_zone(r), ATTR("id"), PF_ROUTER) : NULL;
  if (p)
    p->coords = coords && coords[0];
  return p != NULL;
}

bool pe_link(pf_reader *r, const char **names, const char **values)
{
  const char *policy = ATTR("sharing_policy") ? ATTR("sharing_policy") : "SHARED";
  const char *bw = ATTR("bandwidth");
  double lat;
  if (!no_profiles(r, "link", names, values) ||
      !one_of(r, "link", "sharing_policy", policy, "SHARED SPLITDUPLEX FULLDUPLEX FATPIPE WIFI", false))
    return false;
  if (strcmp(policy, "WIFI") == 0)
    return pr_fail(r, r->line, "WIFI links belong to Wifi zones, whose routes replsim cannot check; use a SHARED "
                   "or SPLITDUPLEX link");
  if (strpbrk(bw, ",;"))
    return pr_fail(r, r->line, "bad bandwidth '%s' on <link>: only WIFI links take several bandwidths", bw);
  if (ATTR("latency") == NULL)
    return pr_fail(r, r->line, "missing attribute 'latency' on <link> (SimGrid 3.32 refuses a link without one, "
                   "whatever its DTD says; write latency=\"0\" for none)");
  return bandwidth(r, "link", "bandwidth", bw) && latency(r, "link", "latency", ATTR("latency"), &lat) &&
         pr_add_link(r, ATTR("id"), strcmp(policy, "SPLITDUPLEX") == 0 || strcmp(policy, "FULLDUPLEX") == 0);
}

bool pe_backbone(pf_reader *r, const char **names, const char **values)
{
  pf_zone *z = zone_of_kind(r, "backbone", PF_CLUSTER, "routing=\"Cluster\"");
  double lat;
  if (z == NULL)
    return false;
  if (z->backbone_line)
    return pr_fail(r, r->line, "zone '%s' has a second <backbone> (the first is on line %d)", z->id,
                   z->backbone_line);
  z->backbone_line = r->line;
  return bandwidth(r, "backbone", "bandwidth", ATTR("bandwidth")) &&
         latency(r, "backbone", "latency", ATTR("latency"), &lat) && pr_add_link(r, ATTR("id"), false);
}

bool pe_host_link(pf_reader *r, const char **names, const char **values)
{
  pf_zone *z = zone_of_kind(r, "host_link", PF_CLUSTER, "routing=\"Cluster\"");
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

static bool symmetrical(pf_reader *r, const char *element, const char **names, const char **values, bool *out)
{
  const char *s = ATTR("symmetrical");
  *out = s == NULL || g_ascii_strcasecmp(s, "YES") == 0;
  return one_of(r, element, "symmetrical", s, "YES NO yes no", false);
}

static void begin_route(pf_reader *r, const char *element, pf_point *src, pf_point *dst, bool sym, bool bypass)
{
  r->route = (pf_pending_route){true, element, src, dst, NULL, NULL, sym, bypass, 0, r->line};
}

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

bool pe_link_ctn(pf_reader *r, const char **names, const char **values)
{
  const char *id = ATTR("id"), *dir = ATTR("direction") ? ATTR("direction") : "NONE";
  if (!one_of(r, "link_ctn", "direction", dir, "UP DOWN NONE", false))
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
