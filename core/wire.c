/* The bounds-checked reader and the writers of core/wire.h. */
#include "wire.h"

#include <string.h>

bool rs_fail(rs_reader *r, const char *why)
{
  if (!r->err)
    r->err = why;
  return false;
}

bool rs_get_varint(rs_reader *r, uint64_t max, uint64_t *v)
{
  uint64_t x = 0;
  for (unsigned i = 0; i < RS_VARINT_MAX; i++) {
    if (r->p >= r->end)
      return rs_fail(r, "truncated varint");
    uint8_t b = *r->p++;
    if (i == RS_VARINT_MAX - 1 && b > 1)
      return rs_fail(r, "varint overflows 64 bits");
    x |= (uint64_t)(b & 0x7f) << (7 * i);
    if (!(b & 0x80)) {
      if (b == 0 && i > 0)
        return rs_fail(r, "non-minimal varint");
      if (x > max)
        return rs_fail(r, "varint overflows its field");
      *v = x;
      return true;
    }
  }
  return rs_fail(r, "varint longer than 10 bytes");
}

bool rs_get_le(rs_reader *r, int bytes, uint64_t *v)
{
  if (r->end - r->p < bytes)
    return rs_fail(r, "truncated integer");
  uint64_t x = 0;
  for (int i = 0; i < bytes; i++)
    x |= (uint64_t)r->p[i] << (8 * i);
  r->p += bytes;
  *v = x;
  return true;
}

bool rs_get_raw(rs_reader *r, size_t n, const uint8_t **out)
{
  if ((size_t)(r->end - r->p) < n)
    return rs_fail(r, "truncated bytes");
  *out = r->p;
  r->p += n;
  return true;
}

bool rs_get_bytes(rs_reader *r, rs_bytes *b)
{
  uint64_t len;
  const uint8_t *at;
  if (!rs_get_varint(r, UINT32_MAX, &len) || !rs_get_raw(r, (size_t)len, &at))
    return false;
  *b = (rs_bytes){(const char *)at, (uint32_t)len};
  return true;
}

void rs_put_varint(GByteArray *out, uint64_t v)
{
  uint8_t buf[RS_VARINT_MAX];
  g_byte_array_append(out, buf, (guint)(rs_varint_at(buf, v) - buf));
}

void rs_put_le(GByteArray *out, uint64_t v, int bytes)
{
  uint8_t b[8];
  for (int i = 0; i < bytes; i++)
    b[i] = (uint8_t)(v >> (8 * i));
  g_byte_array_append(out, b, (guint)bytes);
}

void rs_put_bytes(GByteArray *out, const char *p, size_t len)
{
  rs_put_varint(out, len);
  if (len)
    g_byte_array_append(out, (const guint8 *)p, (guint)len);
}
