/* The one bounds-checked integer and string reader/writer every byte format in core/ uses: the
 * message codec, the store's and the at-most-once table's snapshots, the applications' snapshots. */
#ifndef RS_WIRE_H
#define RS_WIRE_H

#include "types.h"

#include <glib.h>

/* The most bytes a 64-bit LEB128 varint takes. */
#define RS_VARINT_MAX 10

/* A read cursor: every read checks that the bytes are there first and never moves past `end`.
 * The first failure's reason stays in `err` (later reads fail too, and keep it). */
typedef struct rs_reader {
  const uint8_t *p, *end;
  const char *err;
} rs_reader;

static inline rs_reader rs_reader_of(const uint8_t *buf, size_t len)
{
  return (rs_reader){buf, buf + len, NULL};
}

/* Records `why` (the first one only) and returns false, so a reader can `return rs_fail(r, ..)`. */
bool rs_fail(rs_reader *r, const char *why);
/* A minimal LEB128 varint no larger than `max`: refuses truncation, more than ten bytes, bits
 * beyond 64 or beyond `max`, and non-minimal forms (a last byte of zero after the first). */
bool rs_get_varint(rs_reader *r, uint64_t max, uint64_t *v);
/* `bytes` (1..8) bytes, little-endian. */
bool rs_get_le(rs_reader *r, int bytes, uint64_t *v);
/* A string written by rs_put_bytes: a varint length, then that many bytes, viewed in place. */
bool rs_get_bytes(rs_reader *r, rs_bytes *b);
/* `n` raw bytes, viewed in place. */
bool rs_get_raw(rs_reader *r, size_t n, const uint8_t **out);

/* Writes a varint at `p` (room for RS_VARINT_MAX bytes) and returns the byte after it: the
 * codec's hot path, which sizes its buffer once. */
static inline uint8_t *rs_varint_at(uint8_t *p, uint64_t v)
{
  while (v >= 0x80) {
    *p++ = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  *p++ = (uint8_t)v;
  return p;
}

void rs_put_varint(GByteArray *out, uint64_t v);
void rs_put_le(GByteArray *out, uint64_t v, int bytes);
/* A string as its length (a varint) then its bytes; an empty one is just a zero (p may be NULL). */
void rs_put_bytes(GByteArray *out, const char *p, size_t len);

#endif
