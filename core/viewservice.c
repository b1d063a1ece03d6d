/* The view service: records heartbeats, writes seed 000's log, and moves views by 6.824's rules. */
#include "viewservice.h"
#include "node.h"

#include <glib.h>

/* One replica as the service knows it: everything is learned from its heartbeats. */
typedef struct server {
  rs_node_id id;
  double last;       /* monotonic time of its latest heartbeat */
  double last_wall;  /* ...and what the wall clock said then (the log's timestamp) */
  uint8_t which;     /* rs_service it declared in that heartbeat */
  uint64_t reported; /* highest view number it has reported since it (re)started */
  bool restarted;    /* a member of the view that reported 0 after a higher number */
  bool confirmed;    /* a backup the current primary says holds its full state */
} server;

struct vs_service {
  vs_config cfg;
  rs_host host;
  GArray *servers; /* server, in the order the service first heard from them */
  vs_view view;
  bool acked;      /* the primary of the current view acknowledged it */
  bool stuck;      /* the primary is down and no view can follow */
};

vs_service *vs_new(const vs_config *cfg, const rs_host *host)
{
  vs_service *s = g_new0(vs_service, 1);
  s->cfg = *cfg;
  if (s->cfg.interval <= 0)
    s->cfg.interval = VS_DEFAULT_INTERVAL;
  if (s->cfg.dead_after == 0)
    s->cfg.dead_after = VS_DEFAULT_DEAD_AFTER;
  s->host = *host;
  s->servers = g_array_new(FALSE, FALSE, sizeof(server));
  s->view.primary = RS_NO_NODE;
  return s;
}

void vs_free(vs_service *s)
{
  if (!s)
    return;
  g_array_free(s->servers, TRUE);
  g_free(s);
}

void vs_start(vs_service *s)
{
  s->host.timer_arm(s->host.ctx, VS_TIMER_TICK, s->cfg.interval);
}

const vs_view *vs_get_view(const vs_service *s) { return &s->view; }
bool vs_view_acked(const vs_service *s) { return s->acked; }
bool vs_is_stuck(const vs_service *s) { return s->stuck; }

bool vs_view_has_backup(const vs_view *v, rs_node_id node)
{
  for (uint32_t i = 0; i < v->n_backups; i++)
    if (v->backups[i] == node)
      return true;
  return false;
}

bool vs_view_from_msg(const rs_msg *m, vs_view *out)
{
  if (m->type != RS_MSG_VIEW)
    return false;
  *out = (vs_view){.num = m->view, .primary = m->node};
  out->n_backups = m->n_nodes <= RS_MAX_NODES ? m->n_nodes : RS_MAX_NODES;
  for (uint32_t i = 0; i < out->n_backups; i++)
    out->backups[i] = m->nodes[i];
  return true;
}

/* Linear search: a cluster has a handful of replicas, and the order must not depend on addresses. */
static server *find(const vs_service *s, rs_node_id id)
{
  for (guint i = 0; i < s->servers->len; i++)
    if (g_array_index(s->servers, server, i).id == id)
      return &g_array_index(s->servers, server, i);
  return NULL;
}

bool vs_backup_ready(const vs_service *s, rs_node_id node)
{
  const server *sv = find(s, node);
  return sv && sv->confirmed && vs_view_has_backup(&s->view, node);
}

static bool is_member(const vs_view *v, rs_node_id id)
{
  return v->num > 0 && (v->primary == id || vs_view_has_backup(v, id));
}

static double age(const vs_service *s, const server *sv) { return rs_now(&s->host) - sv->last; }

/* Dead, for views: more than dead_after intervals without a heartbeat. */
static bool dead(const vs_service *s, const server *sv)
{
  return age(s, sv) > s->cfg.dead_after * s->cfg.interval;
}

/* A replica that can serve in the next view: heard from recently and not restarted in this one. */
static bool usable(const vs_service *s, const server *sv)
{
  return sv && !dead(s, sv) && !sv->restarted;
}

static void send_view(vs_service *s, rs_node_id to, uint64_t seq)
{
  rs_msg m = {.type = RS_MSG_VIEW, .view = s->view.num, .node = s->view.primary, .seq = seq,
              .n_nodes = s->view.n_backups};
  for (uint32_t i = 0; i < s->view.n_backups; i++)
    m.nodes[i] = s->view.backups[i];
  rs_send(&s->host, to, &m);
}

static void emit_role(vs_service *s, const char *role)
{
  rs_event ev = {.type = RS_EV_ROLE, .role = role, .view = s->view.num};
  rs_emit(&s->host, &ev);
}

/* Reports entering or leaving the stuck state once, not on every tick. */
static void set_stuck(vs_service *s, bool stuck)
{
  if (s->stuck == stuck)
    return;
  s->stuck = stuck;
  emit_role(s, stuck ? VS_ROLE_STUCK : VS_ROLE);
}

/* Makes `next` the current view: confirmations survive only under the same primary, restart
 * marks only for members (a replica that left the view starts afresh as idle), and the new
 * members plus every live replica that left are told. */
static void install(vs_service *s, const vs_view *next)
{
  vs_view old = s->view;
  bool same_primary = next->primary == old.primary;
  s->view = *next;
  s->acked = false;
  s->stuck = false;
  for (guint i = 0; i < s->servers->len; i++) {
    server *sv = &g_array_index(s->servers, server, i);
    if (!same_primary || !vs_view_has_backup(next, sv->id))
      sv->confirmed = false;
    if (!is_member(next, sv->id))
      sv->restarted = false;
  }
  emit_role(s, VS_ROLE);
  send_view(s, next->primary, 0);
  for (uint32_t i = 0; i < next->n_backups; i++)
    send_view(s, next->backups[i], 0);
  for (guint i = 0; i < s->servers->len; i++) {
    const server *sv = &g_array_index(s->servers, server, i);
    if (is_member(&old, sv->id) && !is_member(next, sv->id) && !dead(s, sv))
      send_view(s, sv->id, 0);
  }
}

/* The first confirmed, usable backup in view order: the one that has been a backup longest. */
static rs_node_id successor(const vs_service *s)
{
  for (uint32_t i = 0; i < s->view.n_backups; i++) {
    const server *sv = find(s, s->view.backups[i]);
    if (sv && sv->confirmed && usable(s, sv))
      return sv->id;
  }
  return RS_NO_NODE;
}

static bool same_view(const vs_view *a, const vs_view *b)
{
  if (a->primary != b->primary || a->n_backups != b->n_backups)
    return false;
  for (uint32_t i = 0; i < a->n_backups; i++)
    if (a->backups[i] != b->backups[i])
      return false;
  return true;
}

/* The tick's decision (6.824's tick, generalized). Nothing moves until the primary acknowledged
 * the current view. Then: a down primary gives way to its successor (or the service is stuck),
 * unusable backups leave, and live idle replicas join at the end, all in one view change. */
static void maybe_change_view(vs_service *s)
{
  const server *p = find(s, s->view.primary);
  bool primary_down = !usable(s, p);
  if (!s->acked) {
    set_stuck(s, primary_down);
    return;
  }
  vs_view next = {.num = s->view.num + 1, .primary = s->view.primary};
  if (primary_down) {
    next.primary = successor(s);
    if (next.primary == RS_NO_NODE) {
      set_stuck(s, true);
      return;
    }
  }
  for (uint32_t i = 0; i < s->view.n_backups; i++) {
    rs_node_id b = s->view.backups[i];
    if (b != next.primary && usable(s, find(s, b)))
      next.backups[next.n_backups++] = b;
  }
  for (guint i = 0; i < s->servers->len && next.n_backups < RS_MAX_NODES; i++) {
    const server *sv = &g_array_index(s->servers, server, i);
    if (!is_member(&s->view, sv->id) && !dead(s, sv))
      next.backups[next.n_backups++] = sv->id;
  }
  if (same_view(&next, &s->view)) {
    set_stuck(s, false);
    return;
  }
  install(s, &next);
}

/* A heartbeat: record it, spot a restart, take the primary's acknowledgement and confirmations,
 * make the very first sender primary of view 1, and answer with the current view. */
static void on_heartbeat(vs_service *s, rs_node_id from, const rs_msg *m)
{
  server *sv = find(s, from);
  if (!sv) {
    server fresh = {.id = from};
    g_array_append_val(s->servers, fresh);
    sv = &g_array_index(s->servers, server, s->servers->len - 1);
  }
  sv->last = rs_now(&s->host);
  sv->last_wall = rs_wall(&s->host);
  sv->which = m->which <= RS_SERVICE_BACKUP ? m->which : RS_SERVICE_NONE;
  if (m->view == 0 && sv->reported > 0) {
    sv->reported = 0;
    if (is_member(&s->view, from)) {
      sv->restarted = true;
      sv->confirmed = false;
    }
  } else if (m->view > sv->reported) {
    sv->reported = m->view;
  }

  if (s->view.num == 0) {
    vs_view first = {.num = 1, .primary = from};
    install(s, &first);
    return; /* install told the sender */
  }
  if (from == s->view.primary && m->view == s->view.num) {
    if (sv->restarted && s->stuck)
      sv->restarted = false; /* nobody could take over: the primary is back */
    if (!sv->restarted) {
      s->acked = true;
      for (uint32_t i = 0; i < s->view.n_backups; i++) {
        server *b = find(s, s->view.backups[i]);
        if (!b)
          continue;
        bool listed = false;
        for (uint32_t k = 0; k < m->n_nodes && k < RS_MAX_NODES; k++)
          listed = listed || m->nodes[k] == b->id;
        b->confirmed = listed && !b->restarted;
      }
    }
  }
  send_view(s, from, 0);
}

/* Seed 000's log: one line per replica that has a service identifier, alive or might be down. */
static void write_log(vs_service *s)
{
  for (guint i = 0; i < s->servers->len; i++) {
    const server *sv = &g_array_index(s->servers, server, i);
    uint8_t which = sv->which;
    if (which == RS_SERVICE_NONE && s->view.primary == sv->id)
      which = RS_SERVICE_PRIMARY;
    else if (which == RS_SERVICE_NONE && is_member(&s->view, sv->id))
      which = RS_SERVICE_BACKUP;
    if (which == RS_SERVICE_NONE)
      continue;
    char line[128];
    g_snprintf(line, sizeof line, "%s %s. Latest heartbeat received at %.3f",
               which == RS_SERVICE_PRIMARY ? "Primary" : "Backup",
               age(s, sv) <= s->cfg.interval ? "is alive" : "might be down", sv->last_wall);
    rs_event ev = {.type = RS_EV_LOG, .text = line};
    rs_emit(&s->host, &ev);
  }
}

/* The periodic tick: re-arm, write one log line per replica, then decide on the next view. */
void vs_timer(vs_service *s, int timer)
{
  if (timer != VS_TIMER_TICK)
    return;
  s->host.timer_arm(s->host.ctx, VS_TIMER_TICK, s->cfg.interval);
  write_log(s);
  if (s->view.num > 0)
    maybe_change_view(s);
}

void vs_handle(vs_service *s, rs_node_id from, const rs_msg *m)
{
  switch (m->type) {
  case RS_MSG_HEARTBEAT:
    on_heartbeat(s, from, m);
    break;
  case RS_MSG_GET_VIEW:
    send_view(s, from, m->seq);
    break;
  default: {
    rs_event ev = {.type = RS_EV_REFUSE, .from = from, .msg_type = m->type,
                   .why = "view service does not handle it"};
    rs_emit(&s->host, &ev);
  }
  }
}

/* Busy while the current view is not acknowledged or a change is due: a quiet cluster waits for
 * the view to settle (a restarted replica back in the view, a dead one out of it). */
bool vs_busy(const vs_service *s)
{
  if (s->view.num == 0)
    return false;
  if (!s->acked)
    return !s->stuck;
  for (guint i = 0; i < s->servers->len; i++) {
    const server *sv = &g_array_index(s->servers, server, i);
    bool member = is_member(&s->view, sv->id);
    if (member != usable(s, sv))
      return true;
  }
  return false;
}

static void node_start(void *impl) { vs_start(impl); }
static void node_handle(void *impl, rs_node_id from, const rs_msg *m) { vs_handle(impl, from, m); }
static void node_timer(void *impl, int timer) { vs_timer(impl, timer); }
static bool node_busy(const void *impl) { return vs_busy(impl); }
static void node_free(void *impl) { vs_free(impl); }

const rs_node_ops vs_node_ops = {.kind = "view-service", .start = node_start, .handle = node_handle,
                                 .timer = node_timer, .busy = node_busy, .free = node_free};
