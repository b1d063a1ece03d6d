/* Whether SimGrid 3.32 finds a route between two hosts, worked out the way it works it out
 * (NetZoneImpl::get_global_route): up to the zone both hosts share, across it by that zone's own
 * routing between the two sub-zones that hold them (through the gateways of the zoneRoute), then
 * down each side the same way. Each routing kind is checked as SimGrid routes it:
 *   Full                 a <route> (or zoneRoute) for the very pair, in that direction;
 *   Floyd, Dijkstra(Cache) any path of routes; between zones, each zone passed through must
 *                        link the gateways of the two zoneRoutes it sits between (SimGrid takes
 *                        the shortest path by its own cost: with several paths, replsim accepts if
 *                        one of them works, so it can miss a broken shortest path);
 *   Cluster, flat <cluster>, Vivaldi  a star: the source's links up, then the destination's links
 *                        down (host_links, a cluster's own links, a peer's links), one side at
 *                        least; Vivaldi needs coordinates on both; no star routes to a zone inside;
 *   TORUS, FAT_TREE, DRAGONFLY clusters  every host reaches every other (itself only through a
 *                        loopback);
 *   None                 nothing (only the Constant network model, which has no routes, works);
 *   Wifi                 not checked: refused, rather than guessed.
 * One way replsim is stricter than SimGrid: inside a longer route SimGrid silently drops a
 * segment a Full zone lacks (the messages then skip those links); replsim refuses it. */
#include "platform_model.h"

#include <string.h>

typedef struct rt_ctx {
  platform *pf;
  GHashTable *memo; /* "SRC\nDST" -> GINT 1 reachable, 2 not */
  char *why;        /* the innermost reason a route is missing */
  int why_line;
  int depth;
} rt_ctx;

/* A routing kind as messages name it. */
static const char *routing_name(pf_routing r)
{
  static const char *const names[] = {"Full", "Floyd", "Dijkstra", "DijkstraCache", "None", "Vivaldi", "Wifi",
                                      "Cluster", "flat cluster", "torus cluster", "fat-tree cluster",
                                      "dragonfly cluster"};
  return names[r];
}

static bool missing(rt_ctx *c, int line, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* Records the innermost reason a route is missing (the first one found); returns false. */
static bool missing(rt_ctx *c, int line, const char *fmt, ...)
{
  if (c->why == NULL) {
    va_list ap;
    va_start(ap, fmt);
    c->why = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    c->why_line = line;
  }
  return false;
}

static bool reach(rt_ctx *c, pf_point *src, pf_point *dst);

/* An edge of a Full zone's table, or NULL. */
static const pf_edge *edge_between(const pf_zone *z, int from, int to)
{
  for (guint i = 0; i < z->edges->len; i++) {
    const pf_edge *e = &g_array_index(z->edges, pf_edge, i);
    if (e->from == from && e->to == to)
      return e;
  }
  return NULL;
}

/* Whether a point appears in a route of its zone (Dijkstra's graph holds only those). */
static bool in_graph(const pf_zone *z, int p)
{
  for (guint i = 0; i < z->edges->len; i++) {
    const pf_edge *e = &g_array_index(z->edges, pf_edge, i);
    if (e->from == p || e->to == p)
      return true;
  }
  return false;
}

/* A path of routes between two hosts or routers of a Floyd or Dijkstra zone (breadth first). A
 * point reaches itself by the loopback SimGrid adds: Floyd to every point, Dijkstra only to the
 * points of its graph (one in no route crashes it). */
static bool graph_path(const pf_zone *z, int from, int to)
{
  if (from == to)
    return z->routing == PF_FLOYD || in_graph(z, from);
  guint n = z->points->len;
  gboolean *seen = g_new0(gboolean, n);
  int *queue = g_new(int, n);
  int head = 0, tail = 0;
  queue[tail++] = from;
  seen[from] = TRUE;
  bool found = false;
  while (head < tail && !found) {
    int p = queue[head++];
    for (guint i = 0; i < z->edges->len && !found; i++) {
      const pf_edge *e = &g_array_index(z->edges, pf_edge, i);
      if (e->from != p || seen[e->to])
        continue;
      seen[e->to] = TRUE;
      found = e->to == to;
      queue[tail++] = e->to;
    }
  }
  g_free(seen);
  g_free(queue);
  return found;
}

/* A path of zoneRoutes between two sub-zones of a Floyd or Dijkstra zone, each zone passed
 * through linking the gateway the path enters by to the one it leaves by. Depth first, each zone
 * entered once. SimGrid 3.32's Dijkstra routing crashes (a null gateway) when it must cross a
 * zone between two different gateways, so there they must be the same point. */
static bool zone_path(rt_ctx *c, const pf_zone *z, int at, int to, pf_point *entered_by, gboolean *seen,
                      pf_point **first_gw, pf_point **last_gw)
{
  for (guint i = 0; i < z->edges->len; i++) {
    const pf_edge *e = &g_array_index(z->edges, pf_edge, i);
    if (e->from != at || seen[e->to])
      continue;
    if (entered_by && entered_by != e->gw_src && z->routing != PF_FLOYD) {
      missing(c, z->line, "zone '%s' (routing %s) would cross zone '%s' from gateway '%s' to gateway '%s', "
              "which crashes SimGrid 3.32's Dijkstra routing: give a direct zoneRoute, or use Floyd", z->id,
              routing_name(z->routing), ((pf_point *)z->points->pdata[at])->name, entered_by->name,
              e->gw_src->name);
      continue;
    }
    if (entered_by && entered_by != e->gw_src && !reach(c, entered_by, e->gw_src))
      continue;
    if (entered_by == NULL)
      *first_gw = e->gw_src;
    if (e->to == to) {
      *last_gw = e->gw_dst;
      return true;
    }
    seen[e->to] = TRUE;
    if (zone_path(c, z, e->to, to, e->gw_dst, seen, first_gw, last_gw))
      return true;
  }
  return false;
}

/* A star-shaped zone (routing Cluster, a flat cluster, Vivaldi): a route is the source's links up
 * then the destination's links down, either list possibly empty (a host without <host_link>, a
 * router: SimGrid fills in empty lists), so it exists unless both are empty; in a Vivaldi zone
 * the coordinates give a latency, which both ends must have. No zoneRoute exists in a star. */
static bool star_route(rt_ctx *c, const pf_zone *z, const pf_point *a, const pf_point *b)
{
  const pf_point *sub = a->kind == PF_ZONE ? a : b->kind == PF_ZONE ? b : NULL;
  if (sub)
    return missing(c, z->line, "zone '%s' (routing %s) cannot route to zone '%s' inside it (a star zone "
                   "takes no zoneRoute)", z->id, routing_name(z->routing), sub->name);
  if (z->routing == PF_VIVALDI) {
    const pf_point *bare = !a->coords ? a : !b->coords ? b : NULL;
    if (bare)
      return missing(c, bare->line, "'%s' of Vivaldi zone '%s' has no coordinates", bare->name, z->id);
    return true;
  }
  if (a == b ? a->loopback || a->up || a->down : a->up || b->down)
    return true;
  if (a == b)
    return missing(c, a->line, "'%s' of zone '%s' (routing %s) has no link at all (no <host_link>), so two nodes "
                   "on it cannot talk", a->name, z->id, routing_name(z->routing));
  return missing(c, a->line, "in zone '%s' (routing %s) neither '%s' has a link up nor '%s' a link down (no "
                 "<host_link>): the route would cross no link", z->id, routing_name(z->routing), a->name, b->name);
}

/* Whether zone `z` routes from its point `a` to its point `b` by itself, and through which
 * gateways when they are zones. */
static bool local_route(rt_ctx *c, const pf_zone *z, pf_point *a, pf_point *b, pf_point **gw_src,
                        pf_point **gw_dst)
{
  *gw_src = *gw_dst = NULL;
  switch (z->routing) {
  case PF_FULL: {
    if (a == b && a->kind != PF_ZONE)
      return true; /* the loopback SimGrid adds */
    const pf_edge *e = edge_between(z, a->index, b->index);
    if (e) {
      *gw_src = e->gw_src;
      *gw_dst = e->gw_dst;
      return true;
    }
    return missing(c, z->line, "zone '%s' (routing Full) has no <%s> from '%s' to '%s'", z->id,
                   a->kind == PF_ZONE ? "zoneRoute" : "route", a->name, b->name);
  }
  case PF_FLOYD:
  case PF_DIJKSTRA:
  case PF_DIJKSTRA_CACHE: {
    if (a->kind != PF_ZONE) {
      if (graph_path(z, a->index, b->index))
        return true;
    } else {
      gboolean *seen = g_new0(gboolean, z->points->len);
      seen[a->index] = TRUE;
      bool found = zone_path(c, z, a->index, b->index, NULL, seen, gw_src, gw_dst);
      g_free(seen);
      if (found)
        return true;
    }
    return missing(c, z->line, "zone '%s' (routing %s) has no path of %s from '%s' to '%s'", z->id,
                   routing_name(z->routing), a->kind == PF_ZONE ? "zoneRoutes" : "routes", a->name, b->name);
  }
  case PF_CLUSTER:
  case PF_STAR:
  case PF_VIVALDI:
    return star_route(c, z, a, b);
  case PF_TORUS:
  case PF_FAT_TREE:
  case PF_DRAGONFLY:
    if (a != b || a->loopback)
      return true;
    return missing(c, a->line, "'%s' of %s '%s' has no loopback (give the cluster loopback_bw), so two nodes on "
                   "it cannot talk", a->name, routing_name(z->routing), z->id);
  case PF_NONE:
    return missing(c, z->line, "zone '%s' has routing None: SimGrid routes nothing there (only the Constant "
                   "network model works without routes)", z->id);
  case PF_WIFI:
    break;
  }
  return missing(c, z->line, "replsim cannot check routes through Wifi zone '%s', and refuses it rather than "
                 "guess", z->id);
}

/* The zones from `p`'s own up to the root. */
static GPtrArray *path_to_root(const pf_point *p)
{
  GPtrArray *path = g_ptr_array_new();
  for (pf_zone *z = p->zone; z; z = z->parent)
    g_ptr_array_add(path, z);
  return path;
}

/* get_global_route's recursion, memoised per pair. */
static bool reach_uncached(rt_ctx *c, pf_point *src, pf_point *dst)
{
  GPtrArray *ps = path_to_root(src), *pd = path_to_root(dst);
  pf_zone *common = NULL;
  while (ps->len > 1 && pd->len > 1 && ps->pdata[ps->len - 1] == pd->pdata[pd->len - 1]) {
    common = ps->pdata[ps->len - 1];
    g_ptr_array_set_size(ps, ps->len - 1);
    g_ptr_array_set_size(pd, pd->len - 1);
  }
  pf_zone *src_anc = ps->pdata[ps->len - 1], *dst_anc = pd->pdata[pd->len - 1];
  if (src_anc == dst_anc)
    common = src_anc;
  g_ptr_array_unref(ps);
  g_ptr_array_unref(pd);
  char *key = g_strconcat(src->name, "\n", dst->name, NULL);
  bool bypass = g_hash_table_contains(common->bypass, key);
  g_free(key);
  if (bypass)
    return true;
  if (src_anc == dst_anc) {
    pf_point *gs, *gd;
    return local_route(c, common, src, dst, &gs, &gd);
  }
  pf_point *gw_src = NULL, *gw_dst = NULL;
  if (!local_route(c, common, src_anc->point, dst_anc->point, &gw_src, &gw_dst))
    return false;
  return (gw_src == src || reach(c, src, gw_src)) && (gw_dst == dst || reach(c, gw_dst, dst));
}

/* reach_uncached, remembered per pair (gateways are asked about many times). */
static bool reach(rt_ctx *c, pf_point *src, pf_point *dst)
{
  char *key = g_strconcat(src->name, "\n", dst->name, NULL);
  int known = GPOINTER_TO_INT(g_hash_table_lookup(c->memo, key));
  if (known) {
    g_free(key);
    return known == 1;
  }
  bool ok;
  if (c->depth > 64) {
    ok = missing(c, 1, "routes nest more than 64 zones deep");
  } else {
    g_hash_table_insert(c->memo, g_strdup(key), GINT_TO_POINTER(2)); /* a cycle counts as no route */
    c->depth++;
    ok = reach_uncached(c, src, dst);
    c->depth--;
  }
  g_hash_table_insert(c->memo, key, GINT_TO_POINTER(ok ? 1 : 2));
  return ok;
}

/* Whether the scenario sends messages from uses[i] to uses[j]: servers talk to everyone, clients to
 * servers, and two nodes on one host talk to each other unless both are clients. */
static bool talks(const pf_use *a, const pf_use *b, bool same)
{
  if (same)
    return a->count > 1 && a->server;
  return a->server || b->server;
}

bool platform_check_routes(platform *pf, const pf_use *uses, guint n, char **err)
{
  rt_ctx c = {pf, g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL), NULL, 0, 0};
  bool ok = true;
  for (guint i = 0; ok && i < n; i++)
    for (guint j = 0; ok && j < n; j++) {
      if (!talks(&uses[i], &uses[j], i == j))
        continue;
      pf_point *a = g_hash_table_lookup(pf->points, uses[i].host), *b = g_hash_table_lookup(pf->points, uses[j].host);
      if (a == NULL || b == NULL || reach(&c, a, b))
        continue;
      *err = g_strdup_printf("%s:%d: no route from host '%s' (%s) to host '%s' (%s): %s", pf->path, c.why_line,
                             a->name, uses[i].what, b->name, uses[j].what, c.why ? c.why : "SimGrid finds none");
      ok = false;
    }
  g_free(c.why);
  g_hash_table_unref(c.memo);
  return ok;
}
