/* The client: one operation at a time, retried at the next replica, or run against a quorum. */
#include "client.h"
#include "owned.h"

#include <glib.h>

typedef enum client_phase {
  PHASE_IDLE = 0,
  PHASE_WAIT_REPLY,   /* primary-backup: waiting for the replica's answer */
  PHASE_WAIT_QUORUM,  /* quorum: waiting for the registry to name the quorum */
  PHASE_QUERY,        /* quorum update: waiting for every member's version of the key */
  PHASE_COLLECT,      /* quorum: waiting for every replica of the quorum */
  PHASE_REPAIR_QUORUM, /* read-repair: waiting for the registry to name a write quorum */
  PHASE_REPAIR,       /* read-repair: waiting for the write-back of the newest version */
  PHASE_WAIT_VIEW,    /* view-service: waiting for the service to name the primary */
} client_phase;

struct rs_client {
  rs_client_config cfg;
  rs_host host;
  bool ready;
  uint32_t n_replicas;
  rs_node_id replicas[RS_MAX_NODES];

  client_phase phase;
  rs_op *op;              /* the operation under way (owned) */
  rs_node_id pinned;      /* replica the operation is pinned to, or RS_NO_NODE */
  uint64_t seq;
  int attempt;
  bool maybe_applied;     /* an attempt timed out: the operation may have run */
  uint32_t target;        /* primary-backup: index of the replica tried now */
  rs_node_id primary;     /* failover: the primary as last heard (RS_NO_NODE: unknown) */
  uint64_t view;          /* failover: the view or epoch that named it */
  uint64_t version;       /* quorum writes: the version this write carries */
  uint64_t op_version;    /* quorum update: the version it writes, once chosen (0: not yet) */
  uint64_t last_version;  /* quorum: the version of this coordinator's latest write: the next one
                           * is above it even if its quorum never saw it (a partial write), so no
                           * version ever names two different values */
  uint64_t round;         /* quorum: tags the requests of one phase of one attempt (echoed in
                           * `index`), so a late answer to an earlier one is never taken */

  uint32_t n_asked;       /* quorum members asked and which have answered */
  rs_node_id asked[RS_MAX_NODES];
  uint64_t answered;      /* bit i: asked[i] answered */
  rs_result *best;        /* reads: newest answer so far; updates: the refusal that wins */
  rs_node_id best_from;
  bool some_applied;      /* updates: a member of this round applied it */
  uint64_t versions[RS_MAX_NODES]; /* reads: the version each member answered */
  uint32_t nw;            /* quorum: the registry's Nw, as its last REPLICAS said */
  rs_result *answer;      /* read-repair: the answer, held until the write-back is done */
  rs_node_id answer_from;
  rs_op *repair;          /* read-repair: the update that writes the answer back */
};

rs_client *rs_client_new(const rs_client_config *cfg, const rs_host *host)
{
  rs_client *c = g_new0(rs_client, 1);
  c->cfg = *cfg;
  c->host = *host;
  c->pinned = RS_NO_NODE;
  c->primary = RS_NO_NODE;
  c->seq = cfg->seq_base;
  if (c->cfg.n_peers > RS_MAX_NODES)
    c->cfg.n_peers = RS_MAX_NODES;
  return c;
}

void rs_client_free(rs_client *c)
{
  if (!c)
    return;
  g_free(c->op);
  g_free(c->best);
  g_free(c->answer);
  g_free(c->repair);
  g_free(c);
}

bool rs_client_ready(const rs_client *c) { return c->ready; }
bool rs_client_busy(const rs_client *c) { return c->phase != PHASE_IDLE; }

rs_node_id rs_client_primary(const rs_client *c) { return c->primary; }

static bool is_mode(const rs_client *c, rs_failover_core f) { return c->cfg.failover == f; }

static void become_ready(rs_client *c)
{
  c->ready = true;
  c->host.timer_cancel(c->host.ctx, RS_CLIENT_TIMER_READY);
  if (c->cfg.on_ready)
    c->cfg.on_ready(c->cfg.arg);
}

/* Asks for what the client needs before its first operation: the replica list (and the view);
 * asked again every ready_retry seconds until the registry answers. */
static void ask_cluster(rs_client *c)
{
  if (is_mode(c, RS_FAILOVER_CORE_VIEW_SERVICE)) {
    rs_msg ask = {.type = RS_MSG_GET_VIEW};
    rs_send(&c->host, c->cfg.view_service, &ask);
  }
  rs_msg m = {.type = RS_MSG_GET_REPLICAS, .which = RS_WHICH_ALL};
  rs_send(&c->host, c->cfg.registry, &m);
  if (c->cfg.ready_retry > 0)
    c->host.timer_arm(c->host.ctx, RS_CLIENT_TIMER_READY, c->cfg.ready_retry);
}

void rs_client_start(rs_client *c)
{
  c->n_replicas = c->cfg.n_peers;
  for (uint32_t i = 0; i < c->cfg.n_peers; i++)
    c->replicas[i] = c->cfg.peers[i];
  if (c->cfg.registry == RS_NO_NODE && !is_mode(c, RS_FAILOVER_CORE_NONE)) {
    if (is_mode(c, RS_FAILOVER_CORE_VIEW_SERVICE)) {
      rs_msg ask = {.type = RS_MSG_GET_VIEW};
      rs_send(&c->host, c->cfg.view_service, &ask);
    }
    become_ready(c);
    return;
  }
  ask_cluster(c);
}

static void emit_invoke(rs_client *c, double intended)
{
  rs_event ev = {.type = RS_EV_INVOKE, .op = c->op, .intended = intended};
  rs_emit(&c->host, &ev);
}

/* Ends the operation: one COMPLETE event for the trace, then the driver decides what comes next. */
static void finish(rs_client *c, rs_outcome outcome, const rs_result *res, rs_node_id replica)
{
  c->host.timer_cancel(c->host.ctx, RS_CLIENT_TIMER_ATTEMPT);
  rs_event ev = {.type = RS_EV_COMPLETE, .outcome = outcome, .op = c->op, .res = res, .replica = replica};
  rs_emit(&c->host, &ev);
  c->phase = PHASE_IDLE;
  g_free(c->best);
  c->best = NULL;
  g_free(c->repair);
  c->repair = NULL;
  if (c->cfg.on_done)
    c->cfg.on_done(c->cfg.arg, outcome, res);
}

static void finish_status(rs_client *c, rs_outcome outcome, rs_status status)
{
  rs_result res = {.status = status};
  finish(c, outcome, &res, RS_NO_NODE);
}

static void arm_attempt(rs_client *c)
{
  c->host.timer_arm(c->host.ctx, RS_CLIENT_TIMER_ATTEMPT, c->cfg.timeout);
}

static uint32_t replica_index(const rs_client *c, rs_node_id node)
{
  for (uint32_t i = 0; i < c->n_replicas; i++)
    if (c->replicas[i] == node)
      return i;
  return 0;
}

/* Sends the operation to `to`, which becomes the replica tried now. */
static void send_pb_request_to(rs_client *c, rs_node_id to)
{
  c->phase = PHASE_WAIT_REPLY;
  if (c->n_replicas && c->replicas[replica_index(c, to)] == to)
    c->target = replica_index(c, to);
  rs_msg m = {.type = RS_MSG_REQUEST, .client = c->cfg.self, .seq = c->seq, .op = *c->op};
  rs_send(&c->host, to, &m);
  arm_attempt(c);
}

static void send_quorum_request(rs_client *c, rs_node_id to)
{
  rs_msg m = {.type = RS_MSG_QUORUM_REQUEST, .client = c->cfg.self, .seq = c->seq, .index = c->round, .op = *c->op};
  if (c->phase == PHASE_QUERY)
    m.type = RS_MSG_QUORUM_CHECK; /* would it succeed, and what version is there? */
  else if (c->phase == PHASE_REPAIR)
    m.op = *c->repair;
  if (c->phase != PHASE_QUERY)
    m.res.version = c->version;
  rs_send(&c->host, to, &m);
}

/* Sends the phase's request to every member of the quorum: an update first asks each member
 * for its version of the key (no clock decides the order: the new version is one above the
 * newest any member of a write quorum holds, which meets every earlier write quorum), then
 * writes; a read reads. */
static void send_phase(rs_client *c, client_phase phase, uint64_t version)
{
  c->phase = phase;
  c->round++;
  c->answered = 0;
  g_free(c->best);
  c->best = NULL;
  c->best_from = RS_NO_NODE;
  c->some_applied = false;
  c->version = version;
  for (uint32_t i = 0; i < c->n_asked; i++)
    send_quorum_request(c, c->asked[i]);
}

/* An update asks for versions first, unless an earlier attempt chose its version already: a
 * retry writes the same value at the same version (it may be partly applied and seen), never at
 * a new one that would publish the value a second time, later than writes that followed it. */
static client_phase first_quorum_phase(const rs_client *c)
{
  return rs_op_is_update(c->op->kind) && !c->op_version ? PHASE_QUERY : PHASE_COLLECT;
}

static void ask_quorum(rs_client *c)
{
  c->n_asked = 0;
  c->answered = 0;
  g_free(c->best);
  c->best = NULL;
  g_free(c->answer);
  c->answer = NULL;
  g_free(c->repair);
  c->repair = NULL;
  c->best_from = RS_NO_NODE;
  if (c->pinned != RS_NO_NODE) {
    c->asked[c->n_asked++] = c->pinned;
    send_phase(c, first_quorum_phase(c), c->op_version);
  } else {
    c->phase = PHASE_WAIT_QUORUM;
    rs_msg m = {.type = RS_MSG_GET_REPLICAS, .seq = c->seq,
                .which = rs_op_is_update(c->op->kind) ? RS_WHICH_WRITE : RS_WHICH_READ};
    rs_send(&c->host, c->cfg.registry, &m);
  }
  arm_attempt(c);
}

static void send_pb_request(rs_client *c)
{
  send_pb_request_to(c, c->replicas[c->target]);
}

/* View-service: asks the service which view is current; the answer sends the operation on. */
static void ask_view(rs_client *c)
{
  c->phase = PHASE_WAIT_VIEW;
  rs_msg m = {.type = RS_MSG_GET_VIEW, .seq = c->seq};
  rs_send(&c->host, c->cfg.view_service, &m);
  arm_attempt(c);
}

/* Whether the operation must run at the primary rather than at any replica. */
static bool for_primary(const rs_client *c)
{
  return rs_op_is_update(c->op->kind) || c->cfg.reads_primary;
}

/* The first attempt of a primary-backup operation: a pinned replica, the primary the failover
 * design names, the head of the ordered list, or a replica at random. */
static void first_pb_attempt(rs_client *c)
{
  bool vs = is_mode(c, RS_FAILOVER_CORE_VIEW_SERVICE);
  if (c->pinned != RS_NO_NODE) {
    send_pb_request_to(c, c->pinned);
  } else if (for_primary(c) && c->primary != RS_NO_NODE && !is_mode(c, RS_FAILOVER_CORE_NONE)) {
    send_pb_request_to(c, c->primary);
  } else if (vs && for_primary(c)) {
    ask_view(c);
  } else if (c->n_replicas == 0) {
    finish_status(c, RS_OUT_FAIL, RS_ST_NOT_PRIMARY);
  } else if (is_mode(c, RS_FAILOVER_CORE_ORDERED) && for_primary(c)) {
    send_pb_request_to(c, c->replicas[0]);
  } else {
    send_pb_request_to(c, c->replicas[rs_random_below(&c->host, c->n_replicas)]);
  }
}

void rs_client_submit(rs_client *c, const rs_op *op, rs_node_id replica)
{
  rs_client_submit_due(c, op, replica, 0);
}

void rs_client_submit_due(rs_client *c, const rs_op *op, rs_node_id replica, double intended)
{
  g_free(c->op);
  c->op = rs_op_dup(op);
  c->pinned = replica;
  c->seq++;
  c->attempt = 0;
  c->maybe_applied = false;
  c->op_version = 0;
  emit_invoke(c, intended);
  if (c->cfg.quorum) {
    ask_quorum(c);
    return;
  }
  first_pb_attempt(c);
}

/* Another attempt after a timeout or a refusal: the next replica in the list (primary-backup) or
 * a fresh quorum; after the last attempt the outcome stays unknown (timeout) or failed (refused). */
static void retry(rs_client *c, rs_outcome give_up_as, rs_status give_up_status)
{
  if (++c->attempt >= c->cfg.attempts) {
    /* A refusal after a timeout does not prove the first attempt did not run. */
    if (c->maybe_applied)
      finish_status(c, RS_OUT_INFO, RS_ST_TIMEOUT);
    else
      finish_status(c, give_up_as, give_up_status);
    return;
  }
  if (c->cfg.quorum) {
    ask_quorum(c);
    return;
  }
  if (is_mode(c, RS_FAILOVER_CORE_VIEW_SERVICE) && for_primary(c)) {
    ask_view(c);
    return;
  }
  if (c->n_replicas == 0) {
    finish_status(c, give_up_as, give_up_status);
    return;
  }
  rs_node_id tried = c->replicas[c->target];
  if (c->primary != RS_NO_NODE && c->primary != tried && for_primary(c) && !is_mode(c, RS_FAILOVER_CORE_NONE)) {
    send_pb_request_to(c, c->primary); /* a VIEW named a new primary meanwhile */
    return;
  }
  if (tried == c->primary) {
    c->primary = RS_NO_NODE; /* it failed us: walk on down the list */
    /* Ordered (seed 003): the replica that led last is no more; the leader is the first live
     * one of the list, so the walk starts again from the top. */
    if (is_mode(c, RS_FAILOVER_CORE_ORDERED) && for_primary(c) && c->target != 0) {
      c->target = 0;
      send_pb_request(c);
      return;
    }
  }
  c->target = (c->target + 1) % c->n_replicas;
  send_pb_request(c);
}

static void on_replicas(rs_client *c, const rs_msg *m)
{
  if (m->which == RS_WHICH_ALL && !c->ready) {
    if (c->cfg.n_peers == 0) {
      c->n_replicas = m->n_nodes;
      for (uint32_t i = 0; i < m->n_nodes; i++)
        c->replicas[i] = m->nodes[i];
    }
    become_ready(c);
    return;
  }
  if ((c->phase != PHASE_WAIT_QUORUM && c->phase != PHASE_REPAIR_QUORUM) || m->seq != c->seq)
    return;
  if (m->index)
    c->nw = (uint32_t)m->index;
  if (m->n_nodes == 0) {
    /* No quorum now; but an earlier attempt that timed out may have reached some replicas. A
     * read that cannot write back what it saw does not answer (it could go back in time). */
    finish_status(c, c->maybe_applied ? RS_OUT_INFO : RS_OUT_FAIL, RS_ST_NO_QUORUM);
    return;
  }
  if (c->phase == PHASE_REPAIR_QUORUM) {
    c->n_asked = m->n_nodes;
    for (uint32_t i = 0; i < m->n_nodes; i++)
      c->asked[i] = m->nodes[i];
    send_phase(c, PHASE_REPAIR, c->answer->version);
    return;
  }
  c->n_asked = m->n_nodes;
  for (uint32_t i = 0; i < m->n_nodes; i++)
    c->asked[i] = m->nodes[i];
  send_phase(c, first_quorum_phase(c), c->op_version);
}

static void on_reply(rs_client *c, rs_node_id from, const rs_msg *m)
{
  if (c->phase != PHASE_WAIT_REPLY || m->seq != c->seq)
    return;
  if (m->res.status == RS_ST_NOT_PRIMARY) {
    retry(c, RS_OUT_FAIL, RS_ST_NOT_PRIMARY);
    return;
  }
  if (is_mode(c, RS_FAILOVER_CORE_ORDERED) && rs_op_is_update(c->op->kind))
    c->primary = from; /* only the leader answers updates: start there next time */
  finish(c, RS_OUT_OK, &m->res, from);
}

/* A VIEW: from the view service (view-service) or from a primary (peer). The newest one names
 * the primary; an operation waiting for it goes there. */
static void on_view(rs_client *c, rs_node_id from, const rs_msg *m)
{
  bool vs = is_mode(c, RS_FAILOVER_CORE_VIEW_SERVICE);
  if ((vs && from != c->cfg.view_service) || (!vs && !is_mode(c, RS_FAILOVER_CORE_PEER))) {
    rs_event ev = {.type = RS_EV_REFUSE, .from = from, .msg_type = m->type, .why = "unexpected view"};
    rs_emit(&c->host, &ev);
    return;
  }
  if (m->view < c->view)
    return;
  c->view = m->view;
  c->primary = m->node;
  if (c->phase == PHASE_WAIT_VIEW && c->primary != RS_NO_NODE)
    send_pb_request_to(c, c->primary);
}

/* Folds one quorum answer in. Reads keep the newest answer (the application's rule); updates
 * succeed when every member applied them, otherwise the refusal with the newest version wins. */
static void merge_answer(rs_client *c, rs_node_id from, const rs_result *res)
{
  bool take;
  if (!c->best)
    take = true;
  else if (rs_op_is_update(c->op->kind))
    take = res->status != RS_ST_SUCCESS &&
           (c->best->status == RS_ST_SUCCESS || res->version > c->best->version);
  else
    take = c->cfg.app->newer(res, c->best);
  if (take) {
    g_free(c->best);
    c->best = rs_result_dup(res);
    c->best_from = from;
  }
}

/* Ends a read-repair read with the answer it held while writing it back. */
static void finish_answer(rs_client *c)
{
  rs_result *res = c->answer;
  c->answer = NULL;
  finish(c, RS_OUT_OK, res, c->answer_from);
  g_free(res);
}

/* Read-repair: before a read answers, the newest version it saw must be on a write quorum, so
 * that no later read can return anything older (ABD). When the read quorum is as big as a write
 * quorum, writing it back to the members that lag is enough; otherwise it goes to a write quorum
 * the registry names. Nothing to write back (the key was never written, or every member of a
 * big enough read quorum has it): the read answers at once. */
static void start_repair(rs_client *c)
{
  c->answer = c->best;
  c->answer_from = c->best_from;
  c->best = NULL;
  rs_op op;
  if (!c->cfg.app->repair || !c->cfg.app->repair(c->op, c->answer, &op)) {
    finish_answer(c);
    return;
  }
  c->repair = rs_op_dup(&op);
  if (c->n_asked >= c->nw) {
    uint32_t lagging = 0;
    for (uint32_t i = 0; i < c->n_asked; i++)
      if (c->versions[i] < c->answer->version)
        c->asked[lagging++] = c->asked[i];
    if (lagging == 0) {
      finish_answer(c);
      return;
    }
    c->n_asked = lagging;
    send_phase(c, PHASE_REPAIR, c->answer->version);
    return;
  }
  c->phase = PHASE_REPAIR_QUORUM;
  rs_msg m = {.type = RS_MSG_GET_REPLICAS, .seq = c->seq, .which = RS_WHICH_WRITE};
  rs_send(&c->host, c->cfg.registry, &m);
}

/* The version an update takes once the members said theirs: a counter one above the newest,
 * with the low bits naming the writer, so two coordinators never give two writes one version. */
static uint64_t next_version(rs_client *c, uint64_t newest)
{
  if (c->last_version > newest)
    newest = c->last_version;
  c->last_version = (((newest >> RS_VERSION_WRITER_BITS) + 1) << RS_VERSION_WRITER_BITS) |
                    (c->cfg.self & ((1u << RS_VERSION_WRITER_BITS) - 1));
  return c->last_version;
}

static void on_quorum_reply(rs_client *c, rs_node_id from, const rs_msg *m)
{
  if ((c->phase != PHASE_COLLECT && c->phase != PHASE_QUERY && c->phase != PHASE_REPAIR) || m->seq != c->seq ||
      m->index != c->round)
    return;
  uint32_t i = 0;
  while (i < c->n_asked && (c->asked[i] != from || (c->answered >> i) & 1u))
    i++;
  if (i == c->n_asked)
    return;
  c->answered |= 1ull << i;
  if (c->phase == PHASE_QUERY) {
    if (m->res.version > c->version)
      c->version = m->res.version;
    if (m->res.status != RS_ST_SUCCESS)
      merge_answer(c, from, &m->res); /* a member would refuse it */
    if ((uint32_t)__builtin_popcountll(c->answered) < c->n_asked)
      return;
    if (c->best) {
      /* Refused by a member: nobody applies it (a refused update changes nothing anywhere). */
      rs_result *res = c->best;
      c->best = NULL;
      finish(c, RS_OUT_OK, res, c->best_from);
      g_free(res);
      return;
    }
    c->op_version = next_version(c, c->version);
    send_phase(c, PHASE_COLLECT, c->op_version);
    return;
  }
  if (c->phase == PHASE_REPAIR) {
    if ((uint32_t)__builtin_popcountll(c->answered) == c->n_asked)
      finish_answer(c);
    return;
  }
  c->versions[i] = m->res.version;
  merge_answer(c, from, &m->res);
  if (rs_op_is_update(c->op->kind) && m->res.status == RS_ST_SUCCESS)
    c->some_applied = true;
  if ((uint32_t)__builtin_popcountll(c->answered) < c->n_asked)
    return;
  if (c->cfg.read_repair && !rs_op_is_update(c->op->kind) && c->pinned == RS_NO_NODE) {
    start_repair(c);
    return;
  }
  rs_result *res = c->best;
  c->best = NULL;
  /* Refused by some members after others applied it (a concurrent update got there first, past
   * the check round): it did take effect somewhere, so the outcome is unknown, not a refusal
   * (the swarm: two racing deletes each answered FILE ALREADY DELETED, their tombstones on
   * every replica, and the write before them counted lost). */
  rs_outcome outcome = c->some_applied && res->status != RS_ST_SUCCESS ? RS_OUT_INFO : RS_OUT_OK;
  finish(c, outcome, res, c->best_from);
  g_free(res);
}

void rs_client_handle(rs_client *c, rs_node_id from, const rs_msg *m)
{
  switch (m->type) {
  case RS_MSG_REPLICAS:
    on_replicas(c, m);
    break;
  case RS_MSG_REPLY:
    on_reply(c, from, m);
    break;
  case RS_MSG_QUORUM_REPLY:
    on_quorum_reply(c, from, m);
    break;
  case RS_MSG_VIEW:
    on_view(c, from, m);
    break;
  default: {
    rs_event ev = {.type = RS_EV_REFUSE, .from = from, .msg_type = m->type, .why = "unexpected message"};
    rs_emit(&c->host, &ev);
  }
  }
}

void rs_client_timer(rs_client *c, int timer)
{
  if (timer == RS_CLIENT_TIMER_READY && !c->ready) {
    ask_cluster(c);
    return;
  }
  if (timer == RS_CLIENT_TIMER_ATTEMPT && c->phase != PHASE_IDLE) {
    c->maybe_applied = true;
    retry(c, RS_OUT_INFO, RS_ST_TIMEOUT);
  }
}
