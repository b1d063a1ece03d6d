/* The elements that make many hosts at once: <cluster> (flat, or a torus, fat tree or dragonfly)
 * and <cabinet>, with the names SimGrid 3.32 gives their hosts, links and routers. */
#include "platform_read.h"
#include "platform_scan.h"

#include <string.h>

#define ATTR(n) pr_attr(names, values, n)

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
  bool ok = pe_speed_list(r, "cluster", ATTR("speed"), 0, &n_speeds) && pe_core(r, "cluster", ATTR("core")) &&
            pe_bandwidth(r, "cluster", "bw", ATTR("bw")) && pe_latency(r, "cluster", "lat", ATTR("lat"), &v) &&
            pe_optional_bandwidth(r, "cluster", "bb_bw", ATTR("bb_bw"), bb) &&
            pe_latency(r, "cluster", "bb_lat", ATTR("bb_lat"), &bb_lat) &&
            pe_optional_bandwidth(r, "cluster", "loopback_bw", ATTR("loopback_bw"), loop_bw) &&
            pe_latency(r, "cluster", "loopback_lat", ATTR("loopback_lat"), loop_lat) &&
            pe_optional_bandwidth(r, "cluster", "limiter_link", ATTR("limiter_link"), limiter) &&
            pe_one_of(r, "cluster", "sharing_policy", ATTR("sharing_policy"), "SHARED SPLITDUPLEX FULLDUPLEX FATPIPE",
                   false) &&
            pe_one_of(r, "cluster", "topology", topology, "FLAT TORUS FAT_TREE DRAGONFLY", false) &&
            pe_one_of(r, "cluster", "bb_sharing_policy", ATTR("bb_sharing_policy"), "SHARED FATPIPE", false);
  if (ok && bb_lat > 0 && *bb == 0)
    ok = pr_fail(r, r->line, "<cluster> has bb_lat but no bb_bw: SimGrid would make a backbone of bandwidth 0");
  if (ok && *loop_lat > 0 && *loop_bw == 0)
    ok = pr_fail(r, r->line, "<cluster> has loopback_lat but no loopback_bw: SimGrid would make loopback links "
                 "of bandwidth 0");
  return ok;
}

/* <cluster>: a zone of its own with prefix+N+suffix hosts, their links, a backbone and a router
 * (flat), or a torus, fat tree or dragonfly whose size must match its radical. */
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
  pf_zone *z = ok ? pe_new_zone(r, id, flat ? PF_STAR : strcmp(topology, "TORUS") == 0 ? PF_TORUS
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

/* <cabinet> in a routing="Cluster" zone: hosts prefix+N+suffix, each with links link_HOST_UP and
 * link_HOST_DOWN to the star. */
bool pe_cabinet(pf_reader *r, const char **names, const char **values)
{
  pf_zone *z = pe_zone_of_kind(r, "cabinet", PF_CLUSTER, "routing=\"Cluster\"");
  double speed, lat;
  const char *why = NULL;
  GArray *ns = g_array_new(FALSE, FALSE, sizeof(int));
  bool ok = z && (pf_speed(ATTR("speed"), &speed, &why) || pe_bad_value(r, "cabinet", "speed", ATTR("speed"), why)) &&
            pe_bandwidth(r, "cabinet", "bw", ATTR("bw")) && pe_latency(r, "cabinet", "lat", ATTR("lat"), &lat);
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

