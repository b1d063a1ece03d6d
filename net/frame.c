/* The real-mode frame: length prefix, ids, codec bytes, HMAC-SHA256 tag (GLib's GHmac). */
#include "frame.h"

#include <errno.h>
#include <string.h>

bool net_key_load(const char *path, net_key *key, char **err)
{
  memset(key, 0, sizeof *key);
  if (!path) {
    key->len = strlen(NET_DEFAULT_KEY);
    key->bytes = g_memdup2(NET_DEFAULT_KEY, key->len);
    key->keyed = g_hmac_new(G_CHECKSUM_SHA256, key->bytes, key->len);
    return true;
  }
  gchar *data = NULL;
  gsize len = 0;
  GError *e = NULL;
  if (!g_file_get_contents(path, &data, &len, &e)) {
    *err = g_strdup_printf("%s: cannot read the key: %s", path, e->message);
    g_error_free(e);
    return false;
  }
  if (len > 0 && data[len - 1] == '\n')
    len--;
  if (len > 0 && data[len - 1] == '\r')
    len--;
  if (len < 16) {
    *err = g_strdup_printf("%s: a key must hold at least 16 bytes (it holds %zu)", path, (size_t)len);
    g_free(data);
    return false;
  }
  key->bytes = (uint8_t *)data;
  key->len = len;
  key->keyed = g_hmac_new(G_CHECKSUM_SHA256, key->bytes, key->len);
  return true;
}

void net_key_clear(net_key *key)
{
  if (key->bytes)
    memset(key->bytes, 0, key->len);
  g_free(key->bytes);
  if (key->keyed)
    g_hmac_unref(key->keyed);
  memset(key, 0, sizeof *key);
}

static void put_u32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static uint32_t get_u32(const uint8_t *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* HMAC-SHA256 of `len` bytes under the key, into tag[32]. Copying the keyed state skips hashing
 * the key's two pads again for every frame (a third of a short frame's tag). */
static void tag_of(const net_key *key, const uint8_t *data, size_t len, uint8_t tag[NET_FRAME_TAG])
{
  GHmac *h = key->keyed ? g_hmac_copy(key->keyed) : g_hmac_new(G_CHECKSUM_SHA256, key->bytes, key->len);
  g_hmac_update(h, data, (gssize)len);
  gsize n = NET_FRAME_TAG;
  g_hmac_get_digest(h, tag, &n);
  g_hmac_unref(h);
}

void net_frame_append(GByteArray *out, const net_key *key, uint8_t kind, rs_node_id from, rs_node_id to,
                      uint64_t id, const uint8_t *payload, size_t len)
{
  guint at = out->len;
  g_byte_array_set_size(out, at + NET_FRAME_LEN_FIELD + NET_FRAME_HEADER + (guint)len + NET_FRAME_TAG);
  uint8_t *p = out->data + at;
  put_u32(p, (uint32_t)(NET_FRAME_HEADER + len + NET_FRAME_TAG));
  uint8_t *body = p + NET_FRAME_LEN_FIELD;
  body[0] = NET_FRAME_VERSION;
  body[1] = kind;
  body[2] = body[3] = 0;
  put_u32(body + 4, from);
  put_u32(body + 8, to);
  put_u32(body + 12, (uint32_t)(id >> 32));
  put_u32(body + 16, (uint32_t)id);
  if (len)
    memcpy(body + NET_FRAME_HEADER, payload, len);
  tag_of(key, body, NET_FRAME_HEADER + len, body + NET_FRAME_HEADER + len);
}

/* Compares tags in time that does not depend on where they differ. */
static bool same_tag(const uint8_t *a, const uint8_t *b)
{
  uint8_t diff = 0;
  for (int i = 0; i < NET_FRAME_TAG; i++)
    diff |= a[i] ^ b[i];
  return diff == 0;
}

net_parse net_frame_parse(const uint8_t *buf, size_t len, const net_key *key, net_frame *out, size_t *used,
                          const char **why)
{
  if (len < NET_FRAME_LEN_FIELD)
    return NET_PARSE_MORE;
  uint32_t body_len = get_u32(buf);
  if (body_len < NET_FRAME_HEADER + NET_FRAME_TAG || body_len > NET_FRAME_HEADER + NET_FRAME_MAX_PAYLOAD + NET_FRAME_TAG) {
    *why = "impossible frame length";
    return NET_PARSE_BROKEN;
  }
  if (len - NET_FRAME_LEN_FIELD < body_len)
    return NET_PARSE_MORE;
  *used = NET_FRAME_LEN_FIELD + (size_t)body_len;
  const uint8_t *body = buf + NET_FRAME_LEN_FIELD;
  size_t payload_len = body_len - NET_FRAME_HEADER - NET_FRAME_TAG;
  uint8_t tag[NET_FRAME_TAG];
  tag_of(key, body, NET_FRAME_HEADER + payload_len, tag);
  if (!same_tag(tag, body + NET_FRAME_HEADER + payload_len)) {
    *why = "bad tag (wrong key or corrupt frame)";
    return NET_PARSE_REFUSED;
  }
  if (body[0] != NET_FRAME_VERSION || body[2] || body[3]) {
    *why = "unknown frame version";
    return NET_PARSE_REFUSED;
  }
  if (body[1] != NET_FRAME_MSG && body[1] != NET_FRAME_HELLO) {
    *why = "unknown frame kind";
    return NET_PARSE_REFUSED;
  }
  if (body[1] == NET_FRAME_HELLO && payload_len % 4 != 0) {
    *why = "malformed hello";
    return NET_PARSE_REFUSED;
  }
  out->kind = body[1];
  out->from = get_u32(body + 4);
  out->to = get_u32(body + 8);
  out->id = (uint64_t)get_u32(body + 12) << 32 | get_u32(body + 16);
  out->payload = body + NET_FRAME_HEADER;
  out->len = payload_len;
  return NET_PARSE_OK;
}
