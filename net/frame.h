/* Frames on a real-mode TCP connection: a length prefix, the sender's and receiver's node ids, the
 * codec's bytes, and an HMAC-SHA256 tag under the cluster key that authenticates all of it. */
#ifndef RS_NET_FRAME_H
#define RS_NET_FRAME_H

#include "core/types.h"

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Layout (integers big-endian):
 *   u32 length   bytes after this field: NET_FRAME_HEADER + payload + NET_FRAME_TAG
 *   u8  version  NET_FRAME_VERSION
 *   u8  kind     net_frame_kind
 *   u16 zero
 *   u32 from     the sender's node id (what the receiver's core sees as `from`)
 *   u32 to       the receiver's node id
 *   u64 id       the sender's message id (the trace's `id` of its send and recv)
 *   ...          payload: a codec message (MSG) or u32 node ids (HELLO)
 *   u8[32] tag   HMAC-SHA256(key, version .. end of payload)
 * The tag is what makes `from` trustworthy: only a holder of the cluster key can write it. */
#define NET_FRAME_VERSION 1
#define NET_FRAME_LEN_FIELD 4
#define NET_FRAME_HEADER 20
#define NET_FRAME_TAG 32
#define NET_FRAME_MAX_PAYLOAD (16u << 20) /* a state transfer of a large store fits */

typedef enum net_frame_kind {
  NET_FRAME_MSG = 1,   /* a protocol message */
  NET_FRAME_HELLO = 2, /* the connecting side names the node ids it speaks for (payload: u32s) */
} net_frame_kind;

/* The cluster key: every node of a cluster holds the same. */
typedef struct net_key {
  uint8_t *bytes;
  size_t len;
  GHmac *keyed; /* HMAC state with the key already absorbed (net_key_load), copied per frame; may be NULL */
} net_key;

/* The key used without --key, so that loopback demos work out of the box. It is public: a
 * cluster reachable by anyone else must be given its own with --key. */
#define NET_DEFAULT_KEY "replsim default cluster key: public, use --key FILE outside demos"

/* Reads a key file (its bytes, one trailing newline removed; at least 16 bytes), or the default
 * when `path` is NULL. False with "PATH: why" in `err`. */
bool net_key_load(const char *path, net_key *key, char **err);
void net_key_clear(net_key *key);

/* Appends one frame to `out`. */
void net_frame_append(GByteArray *out, const net_key *key, uint8_t kind, rs_node_id from, rs_node_id to,
                      uint64_t id, const uint8_t *payload, size_t len);

/* One frame parsed out of a byte stream. `payload` points into the buffer. */
typedef struct net_frame {
  uint8_t kind;
  rs_node_id from, to;
  uint64_t id;
  const uint8_t *payload;
  size_t len;
} net_frame;

typedef enum net_parse {
  NET_PARSE_MORE = 0, /* not a whole frame yet: read more */
  NET_PARSE_OK,       /* a frame, authenticated: *used bytes consumed */
  NET_PARSE_REFUSED,  /* a whole frame of *used bytes that must be refused (bad tag, version,
                       * kind): skip it, the stream stays in step */
  NET_PARSE_BROKEN,   /* the length prefix itself is impossible: the stream is lost, close it */
} net_parse;

/* Looks at the start of `buf` (never past `len`). `why` says what was wrong for REFUSED and
 * BROKEN. */
net_parse net_frame_parse(const uint8_t *buf, size_t len, const net_key *key, net_frame *out, size_t *used,
                          const char **why);

#endif
