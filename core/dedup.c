/* At-most-once execution: one entry per client holding its latest sequence number and answer.
 * A client runs one request at a time, so the latest one is all a replica needs to remember. */
#include "dedup.h"
#include "owned.h"

#include <glib.h>

typedef struct entry {
  uint64_t seq;
  rs_result *res; /* NULL while the request is running */
} entry;

struct rs_dedup {
  GHashTable *by_client; /* client id -> entry*; looked up, never iterated */
};

static void free_entry(gpointer p)
{
  entry *e = p;
  g_free(e->res);
  g_free(e);
}

rs_dedup *rs_dedup_new(void)
{
  rs_dedup *d = g_new0(rs_dedup, 1);
  d->by_client = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, free_entry);
  return d;
}

void rs_dedup_free(rs_dedup *d)
{
  if (!d)
    return;
  g_hash_table_destroy(d->by_client);
  g_free(d);
}

rs_dedup_state rs_dedup_check(const rs_dedup *d, rs_node_id client, uint64_t seq, const rs_result **res)
{
  const entry *e = g_hash_table_lookup(d->by_client, GUINT_TO_POINTER(client));
  if (!e || seq > e->seq)
    return RS_DEDUP_NEW;
  if (seq < e->seq)
    return RS_DEDUP_STALE;
  if (!e->res)
    return RS_DEDUP_PENDING;
  *res = e->res;
  return RS_DEDUP_DONE;
}

static entry *entry_for(rs_dedup *d, rs_node_id client)
{
  entry *e = g_hash_table_lookup(d->by_client, GUINT_TO_POINTER(client));
  if (!e) {
    e = g_new0(entry, 1);
    g_hash_table_insert(d->by_client, GUINT_TO_POINTER(client), e);
  }
  return e;
}

void rs_dedup_begin(rs_dedup *d, rs_node_id client, uint64_t seq)
{
  entry *e = entry_for(d, client);
  e->seq = seq;
  g_free(e->res);
  e->res = NULL;
}

void rs_dedup_finish(rs_dedup *d, rs_node_id client, uint64_t seq, const rs_result *res)
{
  entry *e = entry_for(d, client);
  if (seq < e->seq)
    return;
  e->seq = seq;
  g_free(e->res);
  e->res = rs_result_dup(res);
}
