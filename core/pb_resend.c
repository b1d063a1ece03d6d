/* The primary's log of unacknowledged updates and its resend timer (message loss). */
#include "pb_internal.h"
#include "dedup.h"
#include "owned.h"

void pb_free_log_entry(gpointer p)
{
  log_entry *e = p;
  g_free(e->op);
  g_free(e);
}

/* ---- the primary's log and its resend timer ---- */

uint64_t pb_min_acked(const pb_replica *r)
{
  uint64_t low = UINT64_MAX;
  for (guint i = 0; i < r->backups->len; i++) {
    uint64_t a = g_array_index(r->backups, backup_state, i).acked;
    if (a < low)
      low = a;
  }
  return low;
}

/* Forgets the entries every current backup has acknowledged (all of them when none is left). */
void pb_trim_log(pb_replica *r)
{
  uint64_t low = pb_min_acked(r);
  log_entry *e;
  while ((e = g_queue_peek_head(r->log)) && e->index <= low)
    pb_free_log_entry(g_queue_pop_head(r->log));
}

/* Whether a backup still owes an acknowledgement: of a logged entry or of its STATE. */
static bool unacknowledged(const pb_replica *r)
{
  if (!g_queue_is_empty(r->log))
    return true;
  for (guint i = 0; i < r->backups->len; i++)
    if (!g_array_index(r->backups, backup_state, i).confirmed)
      return true;
  return false;
}

/* Keeps PB_TIMER_RESEND armed exactly while something is unacknowledged, so an idle cluster has
 * no timer events. Arming an armed timer would move it, so an armed one is left alone. */
void pb_update_resend_timer(pb_replica *r)
{
  if (r->cfg.resend < 0)
    return;
  bool want = unacknowledged(r);
  if (want && !r->resend_armed)
    r->host.timer_arm(r->host.ctx, PB_TIMER_RESEND, r->cfg.resend);
  else if (!want && r->resend_armed)
    r->host.timer_cancel(r->host.ctx, PB_TIMER_RESEND);
  r->resend_armed = want;
}

/* Whether something sent at `sent` has waited `after` seconds (timers land on the sum, which the
 * subtraction may miss by a rounding error). */
static bool waited(const pb_replica *r, double sent, double after)
{
  return rs_now(&r->host) - sent >= after - 1e-9;
}

void pb_send_entry(pb_replica *r, const log_entry *e, rs_node_id to)
{
  rs_msg rep = {.type = RS_MSG_REPLICATE, .client = e->client, .seq = e->seq, .index = e->index,
                .view = r->view, .op = *e->op};
  rep.res.version = e->version;
  rs_send(&r->host, to, &rep);
}

void pb_resend_states(pb_replica *r, double after)
{
  for (guint i = 0; i < r->backups->len; i++) {
    backup_state *b = &g_array_index(r->backups, backup_state, i);
    if (!b->confirmed && waited(r, b->state_sent, after))
      pb_send_state(r, b);
  }
}

/* Every `resend` seconds while something is unacknowledged: a fresh STATE to each backup that
 * has not acknowledged its STATE, and to each backup that holds the state, every logged entry
 * beyond its acknowledged index that went out at least an interval ago (younger ones may still
 * be on their way). A backup that lacks the state gets only the STATE: it covers the entries.
 * O(log length x backups) per tick. */
void pb_on_resend_timer(pb_replica *r)
{
  r->resend_armed = false;
  pb_resend_states(r, r->cfg.resend);
  for (GList *l = r->log->head; l; l = l->next) {
    log_entry *e = l->data;
    if (!waited(r, e->sent, r->cfg.resend))
      continue;
    for (guint i = 0; i < r->backups->len; i++) {
      const backup_state *b = &g_array_index(r->backups, backup_state, i);
      if (b->confirmed && b->acked < e->index)
        pb_send_entry(r, e, b->id);
    }
    e->sent = rs_now(&r->host);
  }
  pb_update_resend_timer(r);
}
