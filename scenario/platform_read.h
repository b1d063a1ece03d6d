/* Private to scenario/platform_*.c: the state of one platform file being read, shared by the
 * GMarkup driver (platform_scan.c) and the element handlers (platform_elements.c). */
#ifndef RS_PLATFORM_READ_H
#define RS_PLATFORM_READ_H

#include "platform_model.h"

/* A <host_link> of a routing="Cluster" zone, resolved when the zone ends. */
typedef struct pf_host_link {
  char *host, *up, *down;
  int line;
} pf_host_link;

/* The route element being read: its links come as <link_ctn> children. */
typedef struct pf_pending_route {
  bool active;
  const char *element;   /* "route", "zoneRoute", ... */
  pf_point *src, *dst, *gw_src, *gw_dst;
  bool symmetrical, bypass;
  int links;             /* <link_ctn> seen */
  int line;
} pf_pending_route;

typedef struct pf_reader {
  platform *pf;
  char *err;             /* the first error, "PATH:LINE: what" */
  GArray *tag_lines;     /* int: the line of every start tag's '<', in document order */
  guint tags_seen;
  int line;              /* the element being read */
  bool seen_root;
  int top_zones;         /* zones and clusters directly under <platform> */
  GPtrArray *zone_stack; /* pf_zone*: the zones open now, innermost last */
  pf_pending_route route;
} pf_reader;

/* Records "PATH:LINE: what" unless an error is already there; returns false. */
bool pr_fail(pf_reader *r, int line, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* The zone open now (NULL at the top level). */
pf_zone *pr_zone(pf_reader *r);

/* Registers a netpoint under `zone` (NULL only for the root zone's own point, which has none). */
pf_point *pr_add_point(pf_reader *r, pf_zone *zone, const char *name, pf_kind kind);
/* Registers a link name SimGrid will know; `split` for a SPLITDUPLEX link (names X_UP, X_DOWN). */
bool pr_add_link(pf_reader *r, const char *name, bool split);

/* platform_elements.c: one handler per element, called with its attributes checked. */
typedef bool (*pr_start_fn)(pf_reader *r, const char **names, const char **values);
bool pe_platform(pf_reader *r, const char **names, const char **values);
bool pe_zone(pf_reader *r, const char **names, const char **values);
bool pe_cluster(pf_reader *r, const char **names, const char **values);
bool pe_cabinet(pf_reader *r, const char **names, const char **values);
bool pe_peer(pf_reader *r, const char **names, const char **values);
bool pe_host(pf_reader *r, const char **names, const char **values);
bool pe_disk(pf_reader *r, const char **names, const char **values);
bool pe_router(pf_reader *r, const char **names, const char **values);
bool pe_link(pf_reader *r, const char **names, const char **values);
bool pe_backbone(pf_reader *r, const char **names, const char **values);
bool pe_host_link(pf_reader *r, const char **names, const char **values);
bool pe_route(pf_reader *r, const char **names, const char **values);
bool pe_zone_route(pf_reader *r, const char **names, const char **values);
bool pe_bypass_route(pf_reader *r, const char **names, const char **values);
bool pe_link_ctn(pf_reader *r, const char **names, const char **values);
bool pe_prop(pf_reader *r, const char **names, const char **values);

/* End tags that finish something: a route (its links are all known), a zone (its host links). */
bool pe_route_end(pf_reader *r);
bool pe_zone_end(pf_reader *r);

const char *pr_attr(const char **names, const char **values, const char *name);

/* Checked values, shared by the element handlers: each records the error and returns false. */
bool pe_bad_value(pf_reader *r, const char *element, const char *attr, const char *text, const char *why);
bool pe_speed_list(pf_reader *r, const char *element, const char *text, guint pstate, guint *n);
bool pe_bandwidth(pf_reader *r, const char *element, const char *attr, const char *text); /* NULL passes */
bool pe_optional_bandwidth(pf_reader *r, const char *element, const char *attr, const char *text, double *v);
bool pe_latency(pf_reader *r, const char *element, const char *attr, const char *text, double *v);
bool pe_core(pf_reader *r, const char *element, const char *text);
bool pe_one_of(pf_reader *r, const char *element, const char *attr, const char *text, const char *choices,
               bool any_case);
/* The zone open now, if its routing is `kind` (else an error naming `what`). */
pf_zone *pe_zone_of_kind(pf_reader *r, const char *element, pf_routing kind, const char *what);
/* A zone's record, placed under the zone open now (or as the root). */
pf_zone *pe_new_zone(pf_reader *r, const char *id, pf_routing routing);

#endif
