/* At-most-once execution: one entry per client holding its latest sequence number and answer.
 * A client runs one request at a time, so the latest one is all a replica needs to remember. */
#include "dedup.h"
#include "wire.h"
#include "owned.h"

#include <glib.h>

typedef struct entry {
  uint64_t seq;
  rs_result *res;
  bool pending;   /* ran, not confirmed yet */
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
  if (e->pending)
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

void rs_dedup_begin(rs_dedup *d, rs_node_id client, uint64_t seq, const rs_result *res)
{
  entry *e = entry_for(d, client);
  e->seq = seq;
  g_free(e->res);
  e->res = rs_result_dup(res);
  e->pending = true;
}

void rs_dedup_finish(rs_dedup *d, rs_node_id client, uint64_t seq, const rs_result *res)
{
  entry *e = entry_for(d, client);
  if (seq < e->seq)
    return;
  e->seq = seq;
  g_free(e->res);
  e->res = rs_result_dup(res);
  e->pending = false;
}

/* Entries sorted by client id: u32 count, then per entry u32 client, u64 seq, u8 status,
 * u64 version, and the result's value as u32 length (0xffffffff: none) and bytes. A request
 * still awaiting confirmation travels as done: the state sent already contains its update. */
static gint cmp_u32(gconstpointer a, gconstpointer b)
{
  guint x = GPOINTER_TO_UINT(*(gconstpointer const *)a), y = GPOINTER_TO_UINT(*(gconstpointer const *)b);
  return x < y ? -1 : x > y;
}

void rs_dedup_snapshot(const rs_dedup *d, GByteArray *out)
{
  GPtrArray *clients = g_ptr_array_new();
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init(&it, d->by_client);
  while (g_hash_table_iter_next(&it, &key, &value))
    if (((const entry *)value)->res)
      g_ptr_array_add(clients, key);
  g_ptr_array_sort(clients, cmp_u32);
  rs_put_le(out, clients->len, 4);
  for (guint i = 0; i < clients->len; i++) {
    const entry *e = g_hash_table_lookup(d->by_client, g_ptr_array_index(clients, i));
    rs_put_le(out, GPOINTER_TO_UINT(g_ptr_array_index(clients, i)), 4);
    rs_put_le(out, e->seq, 8);
    rs_put_le(out, e->res->status, 1);
    rs_put_le(out, e->res->version, 8);
    rs_put_le(out, e->res->value.ptr ? e->res->value.len : 0xffffffffu, 4);
    if (e->res->value.ptr)
      g_byte_array_append(out, (const guint8 *)e->res->value.ptr, e->res->value.len);
  }
  g_ptr_array_free(clients, TRUE);
}

bool rs_dedup_restore(rs_dedup *d, const uint8_t *buf, size_t len)
{
  rs_reader r = rs_reader_of(buf, len);
  uint64_t count;
  if (!rs_get_le(&r, 4, &count))
    return false;
  for (uint64_t i = 0; i < count; i++) {
    uint64_t client, seq, status, version, vlen;
    if (!rs_get_le(&r, 4, &client) || !rs_get_le(&r, 8, &seq) || !rs_get_le(&r, 1, &status) ||
        !rs_get_le(&r, 8, &version) || !rs_get_le(&r, 4, &vlen) || status >= RS_ST__COUNT)
      return false;
    rs_result res = {.status = (uint8_t)status, .version = version};
    const uint8_t *value;
    if (vlen != 0xffffffffu) {
      if (!rs_get_raw(&r, (size_t)vlen, &value))
        return false;
      res.value = (rs_bytes){(const char *)value, (uint32_t)vlen};
    }
    rs_dedup_finish(d, (rs_node_id)client, seq, &res);
  }
  return r.p == r.end;
}
