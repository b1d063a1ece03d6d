/* Lost writes, stale reads, divergence, availability per fault window and failover time.
 *
 * The rules, exactly:
 *
 * Order. "A before B" compares times, then trace lines when both are known; equal times with
 * unknown lines are not "before" (so a tie never condemns an operation).
 *
 * End state of a key, from the "final" lines. Each replica's state is live (a value), deleted
 * (a tombstone: status FILE ALREADY DELETED), or absent (FILE DOES NOT EXIST, a null kv value,
 * or no final line for the key at all). Under pb-* the end state is the state most replicas
 * up at the end hold (same kind, same value; a replica whose digest says "up": false is left
 * out unless every replica is down); ties go to the highest version, then to the earliest line.
 * Under quorum it is what a quorum read would merge: a tombstone on any replica wins (a deleted
 * uuid is never live again), otherwise the newest version.
 *
 * Lost write. Updates are write, put, append, cas and delete. An update W is acknowledged when it
 * ended ok with status SUCCESS. An operation explains the end state when it may have taken
 * effect (acknowledged, info or pending) and produces that state: a write, put or cas whose value
 * equals the live value; an append whose value ends the live value; a delete for a tombstone.
 * Nothing explains an absent state. W is lost when
 *   (a) every operation explaining its key's end state completed before W was invoked, or
 *       nothing explains it: W should have overwritten that state and did not; and
 *   (b) no acknowledged write, put, cas or delete of the key was invoked after W completed: such
 *       an update legitimately overwrote W, so W's absence is its successor's to answer for
 *       (if the successor is missing too, it is the one counted). An append does not overwrite.
 * W itself, a later update, or an info/pending one (which may have taken effect at any time)
 * explaining the end state all save W. Values are compared, not versions, so a value written
 * twice is never counted as lost by mistake.
 *
 * Stale read. An ok read or get answers a version (0 when it carries none: FILE DOES NOT EXIST,
 * null). It is stale when an update of the same key acknowledged before the read was invoked
 * had a higher version. Every status of an ok read counts (a tombstone's version is an answer).
 *
 * Diverged: replicas up at the end whose "digest" differs from the most common digest (as the run
 * counts it); a digest line with "up":false (a replica still crashed) is not compared.
 *
 * Fault windows: the facts' (trace/facts.h says how a start is paired with its end; a window
 * never closed lasts to the end of the run, an event such as a join is an instant). Its
 * availability is ok / (ok + fail + info) over the operations invoked in [start, end].
 *
 * Failover. For each crash start of a node whose latest role line before it said "primary", the
 * time from the crash to the first acknowledged update completed after it; none if no update was
 * acknowledged afterwards. The summary's failover time is the longest of these.
 *
 * Cost: one sort of the history's events (O(n log n)), hash tables by key, a binary search per
 * window and per crash. */
#include "analysis/anom_internal.h"

#include <string.h>

/* ---- All of it ---------------------------------------------------------------------------- */

static double history_end(const history *h)
{
  double end = 0;
  for (guint i = 0; i < h->ops->len; i++) {
    const hist_op *o = g_ptr_array_index(h->ops, i);
    end = MAX(end, MAX(o->t_invoke, o->t_complete));
  }
  return end;
}

static anomalies *anomalies_new(void)
{
  anomalies *a = g_new0(anomalies, 1);
  a->lost = g_array_new(FALSE, TRUE, sizeof(anom_lost_write));
  g_array_set_clear_func(a->lost, anom_lost_write_clear);
  a->stale = g_array_new(FALSE, TRUE, sizeof(anom_stale_read));
  g_array_set_clear_func(a->stale, anom_stale_read_clear);
  a->windows = g_array_new(FALSE, TRUE, sizeof(anom_window));
  g_array_set_clear_func(a->windows, anom_window_clear);
  a->failovers = g_array_new(FALSE, TRUE, sizeof(anom_failover));
  g_array_set_clear_func(a->failovers, anom_failover_clear);
  return a;
}

anomalies *anomalies_compute(const history *h, const trace_facts *f)
{
  anomalies *a = anomalies_new();
  a->quorum_end_state = f->protocol && strcmp(f->protocol, "quorum") == 0;
  anom_find_lost_writes(a, h, f);
  anom_find_stale_reads(a, h);
  a->has_diverged = trace_facts_diverged(f, &a->diverged, &a->replicas);
  anom_find_windows(a, h, f, MAX(f->end_time, history_end(h)));
  anom_find_failovers(a, h, f);
  return a;
}

void anomalies_free(anomalies *a)
{
  if (!a)
    return;
  g_array_free(a->lost, TRUE);
  g_array_free(a->stale, TRUE);
  g_array_free(a->windows, TRUE);
  g_array_free(a->failovers, TRUE);
  g_free(a);
}

