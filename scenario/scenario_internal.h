/* Private to scenario/: the reader state shared by the markup pass, the overrides and the checks. */
#ifndef RS_SCENARIO_INTERNAL_H
#define RS_SCENARIO_INTERNAL_H

#include "scenario.h"
#include "../core/types.h"

#include <stddef.h>

/* Attributes kept as written until overrides are applied: the cluster's (RAW_PROTOCOL onwards),
 * plus the scenario's seed and duration and the network's engine. */
typedef enum raw_key {
  RAW_SEED = 0,
  RAW_DURATION,
  RAW_ENGINE,
  RAW_PROTOCOL,
  RAW_APP,
  RAW_FAILOVER,
  RAW_READS,
  RAW_HEARTBEAT,
  RAW_DEAD_AFTER,
  RAW_RESTART_DELAY,
  RAW_READ_QUORUM,
  RAW_WRITE_QUORUM,
  RAW_REPLICAS,
  RAW_HOSTS,
  RAW_READ_REPAIR,
  RAW_FSYNC,
  RAW__COUNT
} raw_key;

/* One raw attribute: its text, and the "key=value" given to --set when it came from there. */
typedef struct raw_attr {
  char *value;
  char *set;
} raw_attr;

/* Everything the loader knows while it reads one file. */
typedef struct sc_reader {
  scenario *sc;
  char *err;                /* the first error, "FILE:LINE: what"; NULL while all is well */

  GArray *tag_lines;        /* int: line of every start tag, in document order */
  guint tags_seen;          /* start tags handed to us so far */
  int line;                 /* line of the element being read */

  int scenario_line, cluster_line, registry_line, view_service_line, network_line;
  bool seen_platform, seen_network, seen_cluster, seen_workload, seen_faults, seen_expect;
  bool seen_registry, seen_view_service, seen_root, seen_poll;
  raw_attr raw[RAW__COUNT];
  bool file_replicas_attr;  /* the file's <cluster> has replicas= or hosts= */
  char *view_service_host;  /* <view-service host>, used only when failover is view-service */
  char *platform_file;      /* as written */
  GPtrArray *listed;        /* sc_replica*: the <replica> elements as written */
  char *mix;                /* the workload's mix as written, NULL for the app's default */
  bool think_given;         /* the workload has think= (which rate= would make meaningless) */

  struct platform *pf;       /* the platform file, read and checked (platform_model.h) */
  GHashTable *hosts, *links; /* sets over sc->platform_hosts / platform_links */
  GHashTable *nodes;         /* node id -> line where it was defined */
  GHashTable *replica_ids;   /* ids a step may name: replicas, and nodes added by <join> */
} sc_reader;

extern const char *const rd_raw_names[RAW__COUNT]; /* attribute names, as --set takes them */

/* A new scripted client with an empty list of steps (scenario_free releases it). */
sc_client *sc_client_new(void);
void sc_replica_free(gpointer p);

/* Records "FILE:LINE: message" as the reader's error unless one is already there; returns false. */
bool rd_fail(sc_reader *r, int line, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* markup.c: reads the whole file into r->sc with GMarkup. */
bool rd_parse_markup(sc_reader *r, const char *text, size_t len);

/* poll.c: the <poll> element (app votes) as read, and its checks once the whole file is known. */
bool rd_read_poll(sc_reader *r, const char **names, const char **values);
bool rd_check_poll(sc_reader *r);
void rd_poll_clear(sc_poll *p);

/* validate.c: applies --set overrides, then fills and checks everything that needs the whole file. */
bool rd_apply_overrides(sc_reader *r, char *const *overrides);
bool rd_validate(sc_reader *r);

/* validate_routes.c: SimGrid routes every message between the hosts the scenario uses. */
bool rd_check_routes(sc_reader *r);

/* timeline.c: crashes, restarts and pauses of each node make sense in time order. */
bool rd_check_timeline(sc_reader *r);

/* values.c: strict readers of attribute values; `why` (static text) says what is wrong. */
bool sv_duration(const char *text, double *seconds, const char **why); /* <= SC_MAX_DURATION */
bool sv_rate(const char *text, double *per_second, const char **why);  /* "200/s", "5/ms", "30/m" */
/* The first control character in an attribute value (tab, line feed and carriage return pass when
 * `lists` is set: lists of words may span lines), or NULL if there is none. */
const char *sv_control_char(const char *value, bool lists);
/* The line of the first NUL byte in `text`, or 0 if it has none. */
int sv_nul_line(const char *text, size_t len);
bool sv_uint(const char *text, guint64 min, guint64 max, guint64 *out, const char **why);
bool sv_number(const char *text, double *out);
bool sv_bool(const char *text, bool *out);
bool sv_node_id_ok(const char *id);
GPtrArray *sv_split_words(const char *text); /* char*: whitespace-separated words, owned */
bool sv_read_file(const char *path, char **text, size_t *len, char **why);
const char *sv_network_model(const char *text); /* SimGrid's spelling, NULL if unknown */
const char *sv_markup_what(const char *message);  /* a GMarkup error without its position */
/* GMarkup reports a start tag where it ends; this appends the line of each start tag's '<' (int),
 * in document order, skipping comments, CDATA, processing instructions and declarations. */
void sv_scan_tag_lines(const char *text, size_t len, GArray *lines);

/* Operations of an application, RS_OP_NONE-terminated; NULL if the app is unknown. */
const rs_op_kind *sv_app_ops(const char *app);
bool sv_app_has_op(const char *app, rs_op_kind op);

#endif
