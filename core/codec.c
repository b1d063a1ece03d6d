/* The one message codec: rs_msg to compact bytes and back, bounds-checked and allocation-free. */
#include "msg.h"
#include "wire.h"

#include <stddef.h>
#include <string.h>

/* Wire format, version 1:
 *
 *   magic   1 byte   RS_WIRE_MAGIC (bump it to change anything below)
 *   type    1 byte   rs_msg_type, 1 .. RS_MSG__COUNT-1
 *   mask    2 bytes  little-endian: which fields follow
 *   fields           the present ones, in bit order
 *
 * Integers are unsigned LEB128 varints, byte strings a varint length then the bytes. A field is
 * present when it is non-zero; a byte string when its pointer is non-NULL, so NULL and "" differ.
 * Encoding is canonical (minimal varints, no present field that is zero), and the decoder insists
 * on it, so decode(b) == m implies encode(m) == b: a fuzzer can compare bytes, not only structs.
 *
 * Sixteen bits are tight for eighteen struct fields, so a few travel together:
 *   TAG          client and seq (a request's identity; present when either is non-zero)
 *   KIND_STATUS  op.kind << 4 | res.status, one byte for every current pair
 *   REPLICAS     which, then the node count and ids (what was asked for and what was given)
 * Bit 15 is spare and rejected, so a newer sender cannot be misread as an older one. */
#define RS_WIRE_MAGIC 0xA1

enum {
  F_TAG = 1u << 0,
  F_NODE = 1u << 1,
  F_ORIGIN = 1u << 2,
  F_INDEX = 1u << 3,
  F_VIEW = 1u << 4,
  F_KIND_STATUS = 1u << 5,
  F_VERSION = 1u << 6,
  F_KEY = 1u << 7,
  F_NAME = 1u << 8,
  F_VALUE = 1u << 9,
  F_EXPECTED = 1u << 10,
  F_RES_NAME = 1u << 11,
  F_RES_VALUE = 1u << 12,
  F_REPLICAS = 1u << 13,
  F_BLOB = 1u << 14,
  F_KNOWN = (1u << 15) - 1,
};

_Static_assert(RS_OP__COUNT <= 16, "op.kind shares a byte with res.status: bump RS_WIRE_MAGIC");
_Static_assert(RS_ST__COUNT <= 16, "res.status shares a byte with op.kind: bump RS_WIRE_MAGIC");
_Static_assert(RS_MSG__COUNT <= 256, "the type is one byte");

#define VARINT_MAX RS_VARINT_MAX
#define HEADER_LEN 4

static const char *const type_names[RS_MSG__COUNT] = {
    [RS_MSG_NONE] = "NONE",
    [RS_MSG_REGISTER] = "REGISTER",
    [RS_MSG_REGISTER_REPLY] = "REGISTER_REPLY",
    [RS_MSG_NEW_REPLICA] = "NEW_REPLICA",
    [RS_MSG_NEW_REPLICA_ACK] = "NEW_REPLICA_ACK",
    [RS_MSG_GET_REPLICAS] = "GET_REPLICAS",
    [RS_MSG_REPLICAS] = "REPLICAS",
    [RS_MSG_REQUEST] = "REQUEST",
    [RS_MSG_REPLY] = "REPLY",
    [RS_MSG_FORWARD] = "FORWARD",
    [RS_MSG_FORWARD_REPLY] = "FORWARD_REPLY",
    [RS_MSG_REPLICATE] = "REPLICATE",
    [RS_MSG_REPLICATE_ACK] = "REPLICATE_ACK",
    [RS_MSG_QUORUM_REQUEST] = "QUORUM_REQUEST",
    [RS_MSG_QUORUM_REPLY] = "QUORUM_REPLY",
    [RS_MSG_HEARTBEAT] = "HEARTBEAT",
    [RS_MSG_VIEW] = "VIEW",
    [RS_MSG_GET_VIEW] = "GET_VIEW",
    [RS_MSG_STATE] = "STATE",
    [RS_MSG_STATE_ACK] = "STATE_ACK",
    [RS_MSG_PEER_HEARTBEAT] = "PEER_HEARTBEAT",
    [RS_MSG_STATE_REQUEST] = "STATE_REQUEST",
    [RS_MSG_QUORUM_CHECK] = "QUORUM_CHECK",
    [RS_MSG_BALLOT] = "BALLOT",
    [RS_MSG_RESULT] = "RESULT",
};

const char *rs_msg_type_name(rs_msg_type t)
{
  return (unsigned)t < RS_MSG__COUNT ? type_names[t] : "NONE";
}

/* A backup's acknowledgement is cumulative (the primary keeps the highest index per backup), so
 * the last of a turn's acknowledgements to one primary tells it everything the others would. */
bool rs_msg_cumulative(rs_msg_type t)
{
  return t == RS_MSG_REPLICATE_ACK;
}

bool rs_msg_replaces(const rs_msg *newer, const rs_msg *older)
{
  return rs_msg_cumulative(newer->type) && newer->type == older->type && newer->view == older->view &&
         newer->index >= older->index;
}

/* ---- encoding ---- */

static inline uint8_t *put_varint(uint8_t *p, uint64_t v)
{
  return rs_varint_at(p, v);
}

static inline uint8_t *put_bytes(uint8_t *p, rs_bytes b)
{
  p = put_varint(p, b.len);
  if (b.len)
    memcpy(p, b.ptr, b.len);
  return p + b.len;
}

static inline bool present(rs_bytes b)
{
  return b.ptr != NULL;
}

static uint32_t node_count(const rs_msg *m)
{
  return m->n_nodes <= RS_MAX_NODES ? m->n_nodes : RS_MAX_NODES; /* never read past nodes[] */
}

/* Which fields go on the wire. One pass over the struct, no memory touched beyond it. */
static uint16_t field_mask(const rs_msg *m)
{
  uint16_t mask = 0;
  mask |= (m->client || m->seq) ? F_TAG : 0;
  mask |= m->node ? F_NODE : 0;
  mask |= m->origin ? F_ORIGIN : 0;
  mask |= m->index ? F_INDEX : 0;
  mask |= m->view ? F_VIEW : 0;
  mask |= (m->op.kind || m->res.status) ? F_KIND_STATUS : 0;
  mask |= m->res.version ? F_VERSION : 0;
  mask |= present(m->op.key) ? F_KEY : 0;
  mask |= present(m->op.name) ? F_NAME : 0;
  mask |= present(m->op.value) ? F_VALUE : 0;
  mask |= present(m->op.expected) ? F_EXPECTED : 0;
  mask |= present(m->res.name) ? F_RES_NAME : 0;
  mask |= present(m->res.value) ? F_RES_VALUE : 0;
  mask |= (m->which || node_count(m)) ? F_REPLICAS : 0;
  mask |= present(m->blob) ? F_BLOB : 0;
  return mask;
}

/* An upper bound on the encoded length, so encoding grows `out` once and writes straight in. */
static size_t encoded_bound(const rs_msg *m)
{
  size_t fixed = HEADER_LEN + 8 * VARINT_MAX + 2 * VARINT_MAX; /* tag (2), 6 integers, which, count */
  size_t strings = 7 * 5 + (size_t)m->op.key.len + m->op.name.len + m->op.value.len +
                   m->op.expected.len + m->res.name.len + m->res.value.len + m->blob.len;
  return fixed + strings + 5 * (size_t)node_count(m);
}

/* Appends the encoding of `m`. Cost: one bound computation, at most one reallocation of `out`,
 * then one linear pass that copies each present byte string once. */
size_t rs_msg_encode(const rs_msg *m, GByteArray *out)
{
  guint start = out->len;
  g_byte_array_set_size(out, start + (guint)encoded_bound(m));
  uint8_t *p = out->data + start;
  uint16_t mask = field_mask(m);

  *p++ = RS_WIRE_MAGIC;
  *p++ = m->type;
  *p++ = (uint8_t)(mask & 0xff);
  *p++ = (uint8_t)(mask >> 8);
  if (mask & F_TAG) {
    p = put_varint(p, m->client);
    p = put_varint(p, m->seq);
  }
  if (mask & F_NODE)
    p = put_varint(p, m->node);
  if (mask & F_ORIGIN)
    p = put_varint(p, m->origin);
  if (mask & F_INDEX)
    p = put_varint(p, m->index);
  if (mask & F_VIEW)
    p = put_varint(p, m->view);
  if (mask & F_KIND_STATUS)
    p = put_varint(p, (uint64_t)m->op.kind << 4 | m->res.status);
  if (mask & F_VERSION)
    p = put_varint(p, m->res.version);
  if (mask & F_KEY)
    p = put_bytes(p, m->op.key);
  if (mask & F_NAME)
    p = put_bytes(p, m->op.name);
  if (mask & F_VALUE)
    p = put_bytes(p, m->op.value);
  if (mask & F_EXPECTED)
    p = put_bytes(p, m->op.expected);
  if (mask & F_RES_NAME)
    p = put_bytes(p, m->res.name);
  if (mask & F_RES_VALUE)
    p = put_bytes(p, m->res.value);
  if (mask & F_REPLICAS) {
    uint32_t n = node_count(m);
    p = put_varint(p, m->which);
    p = put_varint(p, n);
    for (uint32_t i = 0; i < n; i++)
      p = put_varint(p, m->nodes[i]);
  }
  if (mask & F_BLOB)
    p = put_bytes(p, m->blob);

  size_t written = (size_t)(p - (out->data + start));
  g_byte_array_set_size(out, start + (guint)written);
  return written;
}

/* ---- decoding ---- */

/* The reader of core/wire.h; codec errors say where they come from. */
typedef rs_reader reader;

static inline bool fail(reader *r, const char *why)
{
  return rs_fail(r, why);
}

/* The wire reader's reasons, as the codec reports them. */
static const char *codec_reason(const char *why)
{
  static const char *const known[][2] = {
      {"truncated varint", "codec: truncated varint"},
      {"varint overflows 64 bits", "codec: varint overflows 64 bits"},
      {"non-minimal varint", "codec: non-minimal varint"},
      {"varint overflows its field", "codec: varint overflows its field"},
      {"varint longer than 10 bytes", "codec: varint longer than 10 bytes"},
      {"truncated bytes", "codec: truncated bytes"},
      {"truncated integer", "codec: truncated integer"},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(known); i++)
    if (why && strcmp(why, known[i][0]) == 0)
      return known[i][1];
  return why;
}

static bool get_varint(reader *r, uint64_t max, uint64_t *v)
{
  const char *before = r->err;
  if (rs_get_varint(r, max, v))
    return true;
  if (!before)
    r->err = codec_reason(r->err);
  return false;
}

static bool get_u32(reader *r, uint32_t *v)
{
  uint64_t x;
  if (!get_varint(r, UINT32_MAX, &x))
    return false;
  *v = (uint32_t)x;
  return true;
}

/* A present integer field must be non-zero: zero is spelled by leaving its bit clear. */
static bool get_nonzero(reader *r, uint64_t max, uint64_t *v)
{
  if (!get_varint(r, max, v))
    return false;
  return *v != 0 || fail(r, "codec: present field is zero");
}

static bool get_nonzero_u32(reader *r, uint32_t *v)
{
  uint64_t x;
  if (!get_nonzero(r, UINT32_MAX, &x))
    return false;
  *v = (uint32_t)x;
  return true;
}

/* A present byte string: length, then that many bytes, pointed at in place (never NULL). */
static bool get_bytes(reader *r, rs_bytes *b)
{
  uint32_t len;
  if (!get_u32(r, &len))
    return false;
  if ((size_t)(r->end - r->p) < len)
    return fail(r, "codec: string runs past the end");
  b->ptr = (const char *)r->p;
  b->len = len;
  r->p += len;
  return true;
}

static bool get_tag(reader *r, rs_msg *m)
{
  if (!get_u32(r, &m->client) || !get_varint(r, UINT64_MAX, &m->seq))
    return false;
  return m->client || m->seq || fail(r, "codec: present field is zero");
}

static bool get_kind_status(reader *r, rs_msg *m)
{
  uint64_t v;
  if (!get_nonzero(r, UINT8_MAX << 4 | 0xf, &v))
    return false;
  if ((v >> 4) >= RS_OP__COUNT)
    return fail(r, "codec: unknown operation kind");
  if ((v & 0xf) >= RS_ST__COUNT)
    return fail(r, "codec: unknown status");
  m->op.kind = (uint8_t)(v >> 4);
  m->res.status = (uint8_t)(v & 0xf);
  return true;
}

static bool get_replicas(reader *r, rs_msg *m)
{
  uint64_t which, n;
  if (!get_varint(r, UINT8_MAX, &which) || !get_varint(r, UINT32_MAX, &n))
    return false;
  if (which > RS_WHICH_WRITE)
    return fail(r, "codec: unknown replica selector");
  if (n > RS_MAX_NODES)
    return fail(r, "codec: too many nodes");
  if (which == 0 && n == 0)
    return fail(r, "codec: present field is zero");
  m->which = (uint8_t)which;
  m->n_nodes = (uint32_t)n;
  for (uint32_t i = 0; i < m->n_nodes; i++)
    if (!get_u32(r, &m->nodes[i]))
      return false;
  return true;
}

static bool get_header(reader *r, rs_msg *m, uint16_t *mask)
{
  if (r->end - r->p < HEADER_LEN)
    return fail(r, "codec: shorter than a header");
  if (r->p[0] != RS_WIRE_MAGIC)
    return fail(r, "codec: bad magic");
  if (r->p[1] == RS_MSG_NONE || r->p[1] >= RS_MSG__COUNT)
    return fail(r, "codec: unknown message type");
  m->type = r->p[1];
  *mask = (uint16_t)(r->p[2] | r->p[3] << 8);
  r->p += HEADER_LEN;
  if (*mask & ~F_KNOWN)
    return fail(r, "codec: unknown field bit");
  return true;
}

/* Reads the fields the mask announces, in bit order. */
static bool get_fields(reader *r, rs_msg *m, uint16_t mask)
{
  bool ok = true;
  ok = ok && (!(mask & F_TAG) || get_tag(r, m));
  ok = ok && (!(mask & F_NODE) || get_nonzero_u32(r, &m->node));
  ok = ok && (!(mask & F_ORIGIN) || get_nonzero_u32(r, &m->origin));
  ok = ok && (!(mask & F_INDEX) || get_nonzero(r, UINT64_MAX, &m->index));
  ok = ok && (!(mask & F_VIEW) || get_nonzero(r, UINT64_MAX, &m->view));
  ok = ok && (!(mask & F_KIND_STATUS) || get_kind_status(r, m));
  ok = ok && (!(mask & F_VERSION) || get_nonzero(r, UINT64_MAX, &m->res.version));
  ok = ok && (!(mask & F_KEY) || get_bytes(r, &m->op.key));
  ok = ok && (!(mask & F_NAME) || get_bytes(r, &m->op.name));
  ok = ok && (!(mask & F_VALUE) || get_bytes(r, &m->op.value));
  ok = ok && (!(mask & F_EXPECTED) || get_bytes(r, &m->op.expected));
  ok = ok && (!(mask & F_RES_NAME) || get_bytes(r, &m->res.name));
  ok = ok && (!(mask & F_RES_VALUE) || get_bytes(r, &m->res.value));
  ok = ok && (!(mask & F_REPLICAS) || get_replicas(r, m));
  ok = ok && (!(mask & F_BLOB) || get_bytes(r, &m->blob));
  return ok;
}

/* Clears every field but the node array, whose entries past n_nodes are never read: zeroing
 * its 256 bytes would cost as much as the rest of a typical decode. */
static void clear_msg(rs_msg *m)
{
  memset(m, 0, offsetof(rs_msg, nodes));
  m->blob = RS_BYTES_NULL;
}

/* Decodes one message. Cost: clearing the struct, then one pass over the bytes; no allocation,
 * no copies (slices point into `buf`). nodes[i] for i >= n_nodes is left as it was. On failure
 * `m` holds whatever was read so far. */
bool rs_msg_decode(const uint8_t *buf, size_t len, rs_msg *m, const char **err)
{
  clear_msg(m);
  if (!buf) {
    if (err)
      *err = "codec: no input";
    return false;
  }
  reader r = {.p = buf, .end = buf + len, .err = NULL};
  uint16_t mask = 0;
  bool ok = get_header(&r, m, &mask) && get_fields(&r, m, mask);
  if (ok && r.p != r.end)
    ok = fail(&r, "codec: trailing bytes");
  if (err)
    *err = ok ? NULL : r.err;
  return ok;
}
