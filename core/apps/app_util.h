/* Small helpers the applications share: slice hashing and copying, snapshot encoding, digest mixing. */
#ifndef RS_APP_UTIL_H
#define RS_APP_UTIL_H

#include "../types.h"
#include "../wire.h"

#include <glib.h>

/* The FNV-1a offset basis: where every slice hash and entry digest starts. */
#define APP_FNV_SEED 0xcbf29ce484222325ULL

/* Folds a run of bytes into an FNV-1a hash. No seed or address goes in, which keeps digests
 * reproducible. */
uint64_t app_fnv(uint64_t h, const void *data, size_t len);

/* Hashes the rs_bytes a key points to, for a GHashTable keyed by slices. */
guint app_bytes_hash(gconstpointer k);

/* Tells whether the rs_bytes two keys point to hold the same bytes, for a GHashTable keyed by slices. */
gboolean app_bytes_equal(gconstpointer a, gconstpointer b);

/* Makes an owned copy of a slice, NUL-terminated so it is also a C string (a NULL slice becomes "").
 * Free its ptr with g_free. */
rs_bytes app_dup(rs_bytes b);

/* Gives back the slice itself, or the empty string when it is NULL, so it can be looked up. */
rs_bytes app_text(rs_bytes b);

/* Looks a slice up in a table keyed by slices (app_bytes_hash/app_bytes_equal); a NULL slice
 * looks up the empty string. NULL when absent. */
gpointer app_lookup(GHashTable *table, rs_bytes key);

/* Orders two slices by their bytes, then by length (a prefix comes first). */
gint app_cmp_bytes(rs_bytes a, rs_bytes b);

/* Writes one table value's fields after its key, for app_put_snapshot. */
typedef void (*app_put_entry_fn)(GByteArray *out, gconstpointer value);

/* Appends a whole table keyed by slices as a snapshot: the magic byte, the format version byte, the
 * entry count (varint), then per entry in the keys' byte order its key (app_put_bytes) followed by
 * what put_entry writes. The same table contents always give the same bytes. */
void app_put_snapshot(GByteArray *out, GHashTable *table, uint8_t magic, uint8_t version, app_put_entry_fn put_entry);

/* The values of a table keyed by slices, in the keys' byte order (free the array, not the values). */
GPtrArray *app_sorted_values(GHashTable *table);

/* Reads one entry's fields after its key and adds the entry to `into`; false when they are malformed. */
typedef bool (*app_get_entry_fn)(rs_reader *r, void *into, rs_bytes key);

/* Reads a snapshot written by app_put_snapshot into `into`, one get_entry call per entry. False when
 * the buffer is missing or of another kind, an entry is malformed, keys are not strictly ascending
 * (which also rules out duplicates) or bytes are left over; `into` is then half-filled. */
bool app_get_snapshot(const uint8_t *buf, size_t len, uint8_t magic, uint8_t version, void *into,
                      app_get_entry_fn get_entry);

/* splitmix64's finalizer: spreads an entry's hash before the order-free sum of a digest. */
uint64_t app_mix(uint64_t x);

/* Hashes an integer as 8 little-endian bytes, so the digest is the same on every machine. */
uint64_t app_hash_u64(uint64_t h, uint64_t v);

/* Hashes a string as its length and then its bytes, so adjacent fields cannot run into each other. */
uint64_t app_hash_field(uint64_t h, const char *p, size_t len);

/* A digest of a whole table: the mixed entry count plus the sum of each value's entry_hash. The sum
 * does not depend on insertion order or the table's layout, so equal states always agree. */
uint64_t app_digest(GHashTable *table, uint64_t (*entry_hash)(gconstpointer value));

#endif
