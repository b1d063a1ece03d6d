/* Small helpers the applications share: slice hashing and copying, snapshot encoding, digest mixing. */
#include "app_util.h"

#include <string.h>

/* Folds each byte into the hash with FNV-1a: xor the byte in, then multiply by the FNV prime. */
uint64_t app_fnv(uint64_t h, const void *data, size_t len)
{
  const uint8_t *p = data;
  for (size_t i = 0; i < len; i++) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

/* Hashes the slice's bytes and folds the 64-bit hash into a guint. */
guint app_bytes_hash(gconstpointer k)
{
  const rs_bytes *b = k;
  uint64_t h = app_fnv(APP_FNV_SEED, b->ptr, b->len);
  return (guint)(h ^ (h >> 32));
}

/* Equal lengths and equal bytes; empty slices are equal whatever their pointers. */
gboolean app_bytes_equal(gconstpointer a, gconstpointer b)
{
  const rs_bytes *x = a, *y = b;
  return x->len == y->len && (x->len == 0 || memcmp(x->ptr, y->ptr, x->len) == 0);
}

/* Allocates len + 1 bytes, copies the slice in and ends it with a NUL. */
rs_bytes app_dup(rs_bytes b)
{
  char *p = g_malloc(b.len + 1u);
  if (b.len)
    memcpy(p, b.ptr, b.len);
  p[b.len] = '\0';
  return (rs_bytes){p, b.len};
}

/* A slice that is never NULL: an absent name or key is the empty string. */
rs_bytes app_text(rs_bytes b)
{
  return b.ptr ? b : (rs_bytes){"", 0};
}

/* Swaps a NULL slice for "" and asks the table. */
gpointer app_lookup(GHashTable *table, rs_bytes key)
{
  rs_bytes k = app_text(key);
  return g_hash_table_lookup(table, &k);
}

/* Compares the common prefix byte by byte; when that ties, the shorter slice comes first. */
gint app_cmp_bytes(rs_bytes a, rs_bytes b)
{
  uint32_t n = a.len < b.len ? a.len : b.len;
  int c = n ? memcmp(a.ptr, b.ptr, n) : 0;
  if (c)
    return c;
  return a.len < b.len ? -1 : a.len > b.len;
}

/* A table entry with its key, so entries can be sorted by key. */
typedef struct app_pair {
  const rs_bytes *key;
  gpointer value;
} app_pair;

/* Orders two pairs by their keys' bytes. */
static gint app_cmp_pairs(gconstpointer a, gconstpointer b)
{
  const app_pair *x = a, *y = b;
  return app_cmp_bytes(*x->key, *y->key);
}

/* Collects the table's entries and sorts them by key: O(n log n), for the rare moments the whole
 * state is walked (state transfer, merges, divergence checks). */
static GArray *sorted_pairs(GHashTable *table)
{
  GArray *all = g_array_sized_new(FALSE, FALSE, sizeof(app_pair), g_hash_table_size(table));
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, table);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    app_pair pair = {k, v};
    g_array_append_val(all, pair);
  }
  g_array_sort(all, app_cmp_pairs);
  return all;
}

GPtrArray *app_sorted_values(GHashTable *table)
{
  GArray *all = sorted_pairs(table);
  GPtrArray *values = g_ptr_array_sized_new(all->len);
  for (guint i = 0; i < all->len; i++)
    g_ptr_array_add(values, g_array_index(all, app_pair, i).value);
  g_array_free(all, TRUE);
  return values;
}

/* Writes the header, then each entry in key order. */
void app_put_snapshot(GByteArray *out, GHashTable *table, uint8_t magic, uint8_t version, app_put_entry_fn put_entry)
{
  GArray *all = sorted_pairs(table);
  const uint8_t head[2] = {magic, version};
  g_byte_array_append(out, head, 2);
  rs_put_varint(out, all->len);
  for (guint i = 0; i < all->len; i++) {
    const app_pair *pair = &g_array_index(all, app_pair, i);
    rs_put_bytes(out, pair->key->ptr, pair->key->len);
    put_entry(out, pair->value);
  }
  g_array_free(all, TRUE);
}

/* Checks the two fixed bytes, reads the count, then each entry's key (checking the order against the
 * previous one) and hands the rest to get_entry; the last entry must end the buffer. */
bool app_get_snapshot(const uint8_t *buf, size_t len, uint8_t magic, uint8_t version, void *into,
                      app_get_entry_fn get_entry)
{
  if (!buf || len < 2 || buf[0] != magic || buf[1] != version)
    return false;
  rs_reader r = rs_reader_of(buf + 2, len - 2);
  uint64_t count;
  if (!rs_get_varint(&r, UINT64_MAX, &count))
    return false;
  rs_bytes prev = RS_BYTES_NULL;
  for (uint64_t i = 0; i < count; i++) {
    rs_bytes key;
    if (!rs_get_bytes(&r, &key) || (i > 0 && app_cmp_bytes(prev, key) >= 0) || !get_entry(&r, into, key))
      return false;
    prev = key;
  }
  return r.p == r.end;
}

/* Xor-shifts and multiplies so that every input bit affects every output bit. */
uint64_t app_mix(uint64_t x)
{
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/* Splits the integer into bytes, lowest first, and folds them into the hash. */
uint64_t app_hash_u64(uint64_t h, uint64_t v)
{
  uint8_t b[8];
  for (int i = 0; i < 8; i++)
    b[i] = (uint8_t)(v >> (8 * i));
  return app_fnv(h, b, sizeof b);
}

/* Folds in the length as 8 bytes, then the bytes themselves. */
uint64_t app_hash_field(uint64_t h, const char *p, size_t len)
{
  return app_fnv(app_hash_u64(h, len), p, len);
}

/* Adds up every value's hash on top of the mixed table size; unsigned overflow wraps, as intended. */
uint64_t app_digest(GHashTable *table, uint64_t (*entry_hash)(gconstpointer value))
{
  uint64_t sum = app_mix(g_hash_table_size(table));
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, table);
  while (g_hash_table_iter_next(&it, NULL, &v))
    sum += entry_hash(v);
  return sum;
}
