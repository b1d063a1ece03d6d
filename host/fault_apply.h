/* The fault injector both engines run: the scenario's fault plan applied in order, each fault's
 * effect on nodes, hosts, the network and links decided here and carried out through the
 * engine's operations (a small table, as core nodes act through rs_host). */
#ifndef RS_FAULT_APPLY_H
#define RS_FAULT_APPLY_H

#include "node_life.h"
#include "scenario/fault_plan.h"
#include "trace/trace_writer.h"

/* What an engine does for the injector. Nodes are the hl_node each engine node embeds. */
typedef struct hf_ops {
  void *ctx;
  double (*now)(void *ctx);
  hl_node *(*node)(void *ctx, const char *name); /* NULL: no such node */
  bool (*host_on)(void *ctx, const hl_node *n);  /* the node's host is on */
  void (*host_crash)(void *ctx, hl_node *n);     /* the host goes off: every node on it crashes */
  void (*host_turn_on)(void *ctx, hl_node *n);   /* the host is on again (its nodes boot later) */
  void (*host_boot)(void *ctx, hl_node *n);      /* every node of the host that is down boots */
  void (*node_join)(void *ctx, hl_node *n);      /* a joining node boots and starts */
  /* The partitions, loss and duplicate windows in force changed (sc_fault*). */
  void (*network_changed)(void *ctx, const GPtrArray *active);
  void (*link_set_on)(void *ctx, const char *link, bool on);
  void (*link_set_latency)(void *ctx, const char *link, double latency);
  double (*link_latency)(void *ctx, const char *link); /* the platform's, before any delay */
} hf_ops;

typedef struct hf_injector hf_injector;

hf_injector *hf_injector_new(const scenario *sc, trace_writer *trace, const hf_ops *ops);
void hf_injector_free(hf_injector *f);
/* The time of the next action; false when none is left. */
bool hf_next(const hf_injector *f, double *t);
/* Actions not applied yet. */
guint hf_left(const hf_injector *f);
/* Takes the next action if it is due at `now` (NULL otherwise) and applies it. */
const fp_action *hf_apply_next(hf_injector *f, double now);
/* Whether an action starts nodes (a boot, a join). */
bool hf_action_spawns(const fp_action *a);

#endif
