/* Private to scenario/: a SimGrid platform file as SimGrid 3.32 would build it (zones, netpoints,
 * links, routes), read with GMarkup and checked element by element with line numbers, so that
 * nothing SimGrid would abort on reaches it; and the routes between the hosts a scenario uses. */
#ifndef RS_PLATFORM_MODEL_H
#define RS_PLATFORM_MODEL_H

#include <glib.h>
#include <stdbool.h>

/* How a zone routes, as SimGrid 3.32 names it (routing="..."), plus the kinds <cluster> makes. */
typedef enum pf_routing {
  PF_FULL = 0,      /* explicit <route>/<zoneRoute> between every pair that talks */
  PF_FLOYD,         /* shortest paths over the routes, computed once */
  PF_DIJKSTRA,      /* shortest paths over the routes, on demand */
  PF_DIJKSTRA_CACHE,
  PF_NONE,          /* no routing at all (only the Constant network model can use it) */
  PF_VIVALDI,       /* a star of <peer>s placed by coordinates */
  PF_WIFI,          /* hosts around an access point */
  PF_CLUSTER,       /* routing="Cluster": a star of hosts joined by their <host_link>s */
  PF_STAR,          /* a flat <cluster>: a star of generated hosts */
  PF_TORUS,         /* <cluster topology="TORUS|FAT_TREE|DRAGONFLY">: every host reaches every other */
  PF_FAT_TREE,
  PF_DRAGONFLY,
} pf_routing;

typedef enum pf_kind { PF_HOST = 0, PF_ROUTER, PF_ZONE } pf_kind;

typedef struct pf_zone pf_zone;

/* A netpoint: a host, a router, or a zone seen from its parent. Names are unique across all. */
typedef struct pf_point {
  char *name;
  pf_kind kind;
  int line;
  pf_zone *zone;     /* the zone it sits in (for a zone's point: the parent zone) */
  pf_zone *self;     /* PF_ZONE: the zone it stands for */
  bool up, down;     /* star zones: it has links to and from the star's centre */
  bool loopback;     /* star zones: it has a loopback route */
  bool coords;       /* it carries valid coordinates (Vivaldi) */
  int index;         /* its position in zone->points */
} pf_point;

/* A route or zoneRoute of a routed zone, as an edge between two of its points. */
typedef struct pf_edge {
  int from, to;            /* indices in zone->points */
  pf_point *gw_src, *gw_dst; /* zoneRoute gateways (NULL for a route) */
  int line;
} pf_edge;

struct pf_zone {
  char *id;
  pf_routing routing;
  int line;
  pf_zone *parent;
  pf_point *point;       /* its netpoint in the parent (NULL for the root) */
  GPtrArray *points;     /* pf_point*: hosts, routers and child zones directly in it */
  GArray *edges;         /* pf_edge: its routes and zoneRoutes (routed zones) */
  GHashTable *routes;    /* "SRC\nDST" -> line: every route already given, to catch duplicates */
  GHashTable *bypass;    /* "SRC\nDST" -> line: bypassRoutes between two of its points */
  /* While it is read. */
  int branch;            /* 0 undecided, 1 zones inside (DTD's first form), 2 hosts inside */
  bool routes_begun;     /* a route element came: definitions may no longer follow */
  bool children_begun;   /* an element other than <prop> came */
  int backbone_line;     /* routing="Cluster": its <backbone>, 0 if none */
  GPtrArray *host_links; /* routing="Cluster": pending <host_link>s (pf_host_link*) */
};

typedef struct platform {
  char *path;
  pf_zone *root;
  GPtrArray *zones;       /* pf_zone*, owned, in file order */
  GPtrArray *all_points;  /* pf_point*, owned */
  GHashTable *points;     /* name -> pf_point* */
  GHashTable *links;      /* name SimGrid knows a link by (X, or X_UP and X_DOWN) -> line */
  GHashTable *split;      /* SPLITDUPLEX link X -> line (what link_ctn direction=UP|DOWN names) */
  GPtrArray *host_names;  /* char*: every host, in file order */
  GPtrArray *link_names;  /* char*: every link name, in file order */
  int first_link_line;    /* the first element that makes a link, 0 if none */
  char *first_link;       /* its name */
} platform;

/* Reads and checks the platform file at `path`. NULL with *err = "PATH:LINE: what is wrong" (or
 * "PATH: cannot be read: why") on anything SimGrid 3.32 would refuse or abort on. */
platform *platform_load(const char *path, char **err);
void platform_free(platform *pf);

/* One host a scenario uses, and what runs there (for messages: "replica r1", "the registry"). */
typedef struct pf_use {
  const char *host;
  const char *what;
  bool server;   /* registry, view service or replica: talks to everyone; clients talk to servers */
  int count;     /* nodes on this host */
} pf_use;

/* Whether SimGrid can route every message the scenario can send: between any two servers, and
 * between every client and every server, both ways (and within one host that holds two nodes).
 * False with *err = "PATH:LINE: no route from host A (what) to host B (what): why", LINE being
 * the zone (or element) that lacks the route. */
bool platform_check_routes(platform *pf, const pf_use *uses, guint n, char **err);

/* platform_units.c: SimGrid's values with their units. False with *why (static text). */
bool pf_speed(const char *text, double *out, const char **why);     /* "1Gf", "2.5 Mf" is malformed */
/* "1Gf,500Mf,0f": one speed per pstate, 0 or more, the one of `pstate` above 0 (SimGrid's energy
 * platforms give switched-off pstates a speed of 0). */
bool pf_speeds(const char *text, guint pstate, guint *n, const char **why);
bool pf_bandwidth(const char *text, double *out, const char **why); /* "125MBps", "1Gbps": above 0 */
bool pf_time(const char *text, double *out, const char **why);      /* "50us", "0": 0 or more */
bool pf_whole(const char *text, long min, long max, long *out);     /* a decimal integer in range */
bool pf_coordinates(const char *text);                              /* three numbers: "1.5 -2 0.1" */

#endif
