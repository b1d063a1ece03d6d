/* A tiny deterministic in-memory host for unit tests: core nodes, one clock, a message queue. */
#ifndef RS_TEST_FIXTURE_H
#define RS_TEST_FIXTURE_H

#include "core/apps/app.h"
#include "core/store.h"
#include "core/client.h"
#include "core/driver.h"
#include "core/host.h"
#include "core/node.h"
#include "core/pb_replica.h"
#include "core/quorum_replica.h"
#include "core/registry.h"
#include "core/viewservice.h"

/* Wildcards for the query and control functions: any node, any message type. */
#define FX_ANY ((rs_node_id)0xFFFFFFFEu)
#define FX_ANY_MSG RS_MSG_NONE
#define FX_MAX_NODES 32
#define FX_MAX_TIMERS 16
#define FX_DEFAULT_LATENCY 0.001

/* The registry is always node 0 and replica i (named "ri") is node i, so tests can name them. */
enum { FX_REGISTRY = 0, FX_R1 = 1, FX_R2 = 2, FX_R3 = 3, FX_R4 = 4, FX_R5 = 5 };

typedef struct fixture fixture;

/* A failover cluster's settings (fixture_failover_cluster); its clients follow them. */
typedef struct fx_failover {
  rs_failover_core failover;
  double heartbeat;       /* 0: the replica's default */
  uint32_t dead_after;    /* 0: default */
  double restart_delay;   /* 0: default */
  bool reads_primary;
  rs_node_id view_service; /* set by fixture_failover_cluster */
  uint32_t n_replicas;     /* set by fixture_failover_cluster */
} fx_failover;

/* One message a node sent: kept for the whole run, so a test can read what was said. */
typedef struct fx_sent {
  uint64_t serial;    /* order of sending, also the tie-breaker for equal delivery times */
  double sent_at, at; /* when it was sent and when it is due */
  rs_node_id from, to;
  uint8_t type;       /* rs_msg_type */
  GByteArray *bytes;  /* the encoding: what actually travels */
  bool delivered, dropped;
  bool duplicate;     /* a copy the network made (fixture_duplicate, fixture_set_faults), not a
                       * send: fixture_sent and fixture_sent_nth skip it, fixture_queued counts it */
} fx_sent;

/* One event a node reported, with owned copies of everything it pointed to. */
typedef struct fx_event {
  double t;
  rs_node_id node;
  uint8_t type;      /* rs_event_type */
  uint8_t outcome;   /* COMPLETE */
  uint8_t op_kind;   /* INVOKE, COMPLETE, APPLY */
  char *key, *op_value;
  uint8_t status;    /* COMPLETE, APPLY */
  uint64_t version;
  char *value;       /* result value; NULL when absent */
  rs_node_id replica;
  char *role;
  uint64_t view;     /* ROLE */
  rs_node_id from;   /* REFUSE */
  uint8_t msg_type;
  char *why;
  const rs_script_step *step; /* STEP: the step (owned by the test) */
} fx_event;

/* ---- building a cluster ---- */

fixture *fixture_new(uint64_t seed, const rs_app_ops *app);
void fixture_free(fixture *f);
/* Frees every fixture a test left behind (a failed assertion jumps past its fixture_free). */
int fixture_free_all(void **state);
#define FX_TEST(fn) cmocka_unit_test_teardown(fn, fixture_free_all)

/* Low-level: each node is added and started at once (replicas register, clients ask for replicas). */
rs_node_id fixture_add_registry(fixture *f, bool quorum, uint32_t n, uint32_t nr, uint32_t nw);
rs_node_id fixture_add_pb(fixture *f, bool blocking, bool reads_primary);
rs_node_id fixture_add_quorum_replica(fixture *f);
rs_node_id fixture_add_stub(fixture *f, const char *name); /* receives, never answers */
/* A view service named "view-service", started (its tick armed); its heartbeat log is kept and
 * read back with fixture_log_count / fixture_log_line. 0 for either number: the default. */
rs_node_id fixture_add_view_service(fixture *f, double interval, uint32_t dead_after);
rs_node_id fixture_add_client(fixture *f, const char *name, double timeout, int attempts);
rs_node_id fixture_add_driven_client(fixture *f, const char *name, double timeout, int attempts,
                                     const rs_driver_config *driver);

/* A registry and n replicas, added in id order (not yet run). */
void fixture_pb_cluster(fixture *f, int n, bool blocking, bool reads_primary);
void fixture_quorum_cluster(fixture *f, int n, int nr, int nw);
/* A registry, n replicas with failover `fo` (peer, ordered: all of them, in id order, are the
 * peer list) and, for view-service, a view service as node n + 1; the replicas start together
 * once all exist. Clients added afterwards follow the same failover design. */
void fixture_failover_cluster(fixture *f, int n, bool blocking, const fx_failover *fo);
/* Retransmission (pb_config.resend) of the replicas added from now on: seconds between resends,
 * 0 for the core's default, negative for none. A new fixture has none, so a test that holds a
 * link forever and runs until idle still goes quiet; tests of message loss turn it on. */
void fixture_set_resend(fixture *f, double seconds);
/* Quorum clients added from now on read with read-repair (rs_client_config.read_repair). */
void fixture_set_read_repair(fixture *f, bool on);
/* A replica with this config (self is filled in), not started; fixture_start_pb starts it. */
rs_node_id fixture_add_pb_config(fixture *f, const pb_config *cfg);
void fixture_start_pb(fixture *f, rs_node_id node);
/* Seed 002's poll: a vote server (a pb replica of app votes, added down: start it with
 * fixture_start_pb; fixture_pb gives its replica) and a voter (started at once). Both take the
 * next node id as their own. */
rs_node_id fixture_add_vote_server(fixture *f, const vote_server_config *cfg);
rs_node_id fixture_add_voter(fixture *f, const char *name, const rs_voter_config *cfg);

/* ---- crashes, restarts, partitions ---- */

/* The replica's host goes down: its memory is lost, messages to it are lost, its timers stop.
 * Its store survives; fixture_restart boots a new replica from it (primary-backup or quorum:
 * a quorum replica registers again and resumes its heartbeat). */
void fixture_crash(fixture *f, rs_node_id node);
void fixture_restart(fixture *f, rs_node_id node);
/* From now on the replica boots as a deploy boots every life after the first (pb_config
 * .restarted: under peer it recovers from its peers instead of taking the registry's word). */
void fixture_mark_restarted(fixture *f, rs_node_id node);
/* How often a node asked the host to restart `node` (rs_host.restart_node), and the latest
 * delay asked for. The fixture performs each restart when its delay has passed. */
int fixture_restarts_asked(const fixture *f, rs_node_id node, double *delay);
/* Every message between a and b, both ways, is lost until healed (queued ones too). */
void fixture_cut(fixture *f, rs_node_id a, rs_node_id b);
void fixture_heal(fixture *f, rs_node_id a, rs_node_id b);

/* The node's store changes are not durable until released (rs_host.persist answers false); on
 * release the node hears that every change so far is durable (rs_node_durable). */
void fixture_hold_disk(fixture *f, rs_node_id node);
void fixture_release_disk(fixture *f, rs_node_id node);

/* ---- the clock and the queue ---- */

double fixture_now(const fixture *f);
void fixture_set_latency(fixture *f, rs_node_id from, rs_node_id to, double seconds);
bool fixture_step(fixture *f); /* one delivery or timer; false when nothing is due */
/* After every delivery and timer the fixture checks its invariants (fixture_invariants.h) and
 * fails the test on a violation; a test of a design allowed to split its brain says so. */
void fixture_allow_split_brain(fixture *f);
void fixture_run_until(fixture *f, double t);
/* Runs until nothing is due but quorum replicas' heartbeats (QUORUM_TIMER_HEARTBEAT: periodic,
 * so they alone never make a run busy; those due earlier than other work still fire). */
void fixture_run_until_idle(fixture *f);

/* Manual control: held links keep their messages queued until released or delivered by hand. */
void fixture_hold(fixture *f, rs_node_id from, rs_node_id to);
void fixture_release(fixture *f, rs_node_id from, rs_node_id to);
bool fixture_deliver_nth(fixture *f, rs_node_id from, rs_node_id to, int type, int nth);
bool fixture_deliver_one(fixture *f, rs_node_id from, rs_node_id to, int type);
int fixture_drop(fixture *f, rs_node_id from, rs_node_id to, int type);
/* The network repeats every queued matching message: a copy due one link latency after the
 * original. Returns how many were copied. */
int fixture_duplicate(fixture *f, rs_node_id from, rs_node_id to, int type);
/* From now on every message sent is lost with probability `loss`, or else repeated (as
 * fixture_duplicate) with probability `duplicate`; seeded from the fixture's seed. 0, 0: off. */
void fixture_set_faults(fixture *f, double loss, double duplicate);
/* Queues `m` as if `from` had sent it (a message a real node would not send, for instance). */
void fixture_inject(fixture *f, rs_node_id from, rs_node_id to, const rs_msg *m);

/* ---- what happened ---- */

size_t fixture_mark(const fixture *f); /* a point in the send log */
int fixture_sent(const fixture *f, size_t mark, rs_node_id from, rs_node_id to, int type);
const fx_sent *fixture_sent_nth(const fixture *f, size_t mark, rs_node_id from, rs_node_id to, int type, int nth);
/* Decodes a sent message; its slices point into the log and live as long as the fixture. */
void fixture_decode(const fx_sent *s, rs_msg *out);
/* The nth matching message sent since `mark`, decoded; the test fails if there is none. */
rs_msg fixture_sent_msg(const fixture *f, size_t mark, rs_node_id from, rs_node_id to, int type, int nth);
int fixture_queued(const fixture *f, rs_node_id from, rs_node_id to, int type);
int fixture_count_events(const fixture *f, rs_node_id node, int type);
const fx_event *fixture_event_nth(const fixture *f, rs_node_id node, int type, int nth); /* -1: last */
bool fixture_timer_armed(const fixture *f, rs_node_id node, int timer);
void fixture_dump(const fixture *f); /* prints the send log, for debugging a test */

/* ---- the nodes ---- */

rs_app *fixture_app(fixture *f, rs_node_id node);
pb_replica *fixture_pb(fixture *f, rs_node_id node);
vs_service *fixture_vs(fixture *f, rs_node_id node);
/* The lines a node wrote to its log (the view service: heartbeat.txt), oldest first. */
int fixture_log_count(const fixture *f, rs_node_id node);
const char *fixture_log_line(const fixture *f, rs_node_id node, int nth); /* -1: last; NULL: none */
rs_client *fixture_client(fixture *f, rs_node_id node);
rs_driver *fixture_driver(fixture *f, rs_node_id node);
void fixture_submit(fixture *f, rs_node_id client, rs_op op, rs_node_id replica);
/* Submits `op`, runs until idle and returns the operation's COMPLETE event (the test fails if
 * it did not complete). */
const fx_event *fixture_run_op(fixture *f, rs_node_id client, rs_op op, rs_node_id replica);
/* Fails the test at the caller's line, naming both, unless `e` ended with this outcome and status. */
void fixture_check_outcome(const fx_event *e, rs_outcome outcome, rs_status status, const char *file, int line);
#define fixture_assert_outcome(e, outcome, status) fixture_check_outcome((e), (outcome), (status), __FILE__, __LINE__)

/* ---- operations, spelled as the seeds spell them ---- */

static inline rs_op fx_write(const char *uuid, const char *name, const char *content)
{
  return (rs_op){.kind = RS_OP_WRITE, .key = rs_bytes_str(uuid), .name = rs_bytes_str(name),
                 .value = rs_bytes_str(content)};
}
static inline rs_op fx_read(const char *uuid) { return (rs_op){.kind = RS_OP_READ, .key = rs_bytes_str(uuid)}; }
static inline rs_op fx_delete(const char *uuid) { return (rs_op){.kind = RS_OP_DELETE, .key = rs_bytes_str(uuid)}; }
static inline rs_op fx_put(const char *k, const char *v)
{
  return (rs_op){.kind = RS_OP_PUT, .key = rs_bytes_str(k), .value = rs_bytes_str(v)};
}
static inline rs_op fx_get(const char *k) { return (rs_op){.kind = RS_OP_GET, .key = rs_bytes_str(k)}; }
static inline rs_op fx_append(const char *k, const char *v)
{
  return (rs_op){.kind = RS_OP_APPEND, .key = rs_bytes_str(k), .value = rs_bytes_str(v)};
}

#endif
