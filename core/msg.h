/* Protocol messages: one flat struct for every type, and the one codec that turns it into bytes. */
#ifndef RS_MSG_H
#define RS_MSG_H

#include "types.h"

#include <glib.h>

/* Every message the protocols exchange. Numbers are part of the wire format: append only. */
typedef enum rs_msg_type {
  RS_MSG_NONE = 0,
  RS_MSG_REGISTER,          /* replica -> registry: I am up (node) */
  RS_MSG_REGISTER_REPLY,    /* registry -> replica: the primary is `node` */
  RS_MSG_NEW_REPLICA,       /* registry -> primary: `node` joined as a backup */
  RS_MSG_NEW_REPLICA_ACK,   /* primary -> registry: the primary knows `node` */
  RS_MSG_GET_REPLICAS,      /* client -> registry: give me replicas (`which`) */
  RS_MSG_REPLICAS,          /* registry -> client: `nodes` */
  RS_MSG_REQUEST,           /* client -> replica: `op`, tagged (client, seq) */
  RS_MSG_REPLY,             /* replica -> client: `res` for (client, seq) */
  RS_MSG_FORWARD,           /* replica -> primary: a client's update, `origin` got it */
  RS_MSG_FORWARD_REPLY,     /* primary -> origin replica: `res` for (client, seq) */
  RS_MSG_REPLICATE,         /* primary -> backup: apply `op` as update number `index` at `res.version` */
  RS_MSG_REPLICATE_ACK,     /* backup -> primary: applied everything up to `index` */
  RS_MSG_QUORUM_REQUEST,    /* coordinator -> quorum replica: `op` at `res.version` (writes) */
  RS_MSG_QUORUM_REPLY,      /* quorum replica -> coordinator: `res` */
  RS_MSG_HEARTBEAT,         /* replica -> view service: alive, service id in `which`, acks `view` */
  RS_MSG_VIEW,              /* view service -> anyone: view `view`: primary `node`, backups `nodes` */
  RS_MSG_GET_VIEW,          /* client -> view service: which view is current? */
  RS_MSG_STATE,             /* primary -> new backup: the whole state (`blob`) as of update `index` */
  RS_MSG_STATE_ACK,         /* new backup -> primary: installed the state as of `index` */
  RS_MSG_PEER_HEARTBEAT,    /* replica -> replica (peer, ordered): alive, in `view`, primary `node` */
  RS_MSG_STATE_REQUEST,     /* joining quorum replica -> replica: send me your state (STATE) */
  RS_MSG_QUORUM_CHECK,      /* coordinator -> quorum replica: would `op` succeed, and which version
                             * of its key do you hold? (answered with QUORUM_REPLY) */
  RS_MSG_BALLOT,            /* vote server -> voter (seed 002): vote on ballot `seq`, opened by `origin` */
  RS_MSG_RESULT,            /* vote server -> voter: ballot `seq` (id: seq, `origin`), `res.value` "<yes> <no>" */
  RS_MSG__COUNT
} rs_msg_type;

const char *rs_msg_type_name(rs_msg_type t); /* "REQUEST", ... as in the trace */

/* The service identifier a heartbeat carries in `which` (seed 000: "primary" or "backup"). */
typedef enum rs_service {
  RS_SERVICE_NONE = 0, /* an idle replica, in no view yet */
  RS_SERVICE_PRIMARY = 1,
  RS_SERVICE_BACKUP = 2,
} rs_service;

/* What a quorum replica's REGISTER says in `which` (0: an ordinary member). */
typedef enum rs_quorum_join {
  RS_QUORUM_MEMBER = 0,
  RS_QUORUM_JOINING,   /* added to a running cluster: in write quorums only, until it caught up */
  RS_QUORUM_CAUGHT_UP, /* it merged the states of a read quorum: a full member now */
} rs_quorum_join;

/* Which replicas a client asks the registry for. */
typedef enum rs_which {
  RS_WHICH_ALL = 0,
  RS_WHICH_READ,  /* Nr replicas chosen at random */
  RS_WHICH_WRITE, /* Nw replicas chosen at random */
} rs_which;

#define RS_MAX_NODES 64

/* One message. Fields a type does not use stay zero and cost nothing on the wire.
 * After rs_msg_decode, every rs_bytes points into the decoded buffer. */
typedef struct rs_msg {
  uint8_t type;        /* rs_msg_type */
  uint8_t which;       /* rs_which (GET_REPLICAS, REPLICAS) or rs_service (HEARTBEAT) */
  rs_node_id node;     /* REGISTER*, NEW_REPLICA*: the replica; REGISTER_REPLY: the primary */
  rs_node_id client;   /* the client a request belongs to */
  uint64_t seq;        /* the client's sequence number for that request */
  rs_node_id origin;   /* FORWARD: the replica that received the client's request */
  uint64_t index;      /* REPLICATE(_ACK): the primary's update number */
  uint64_t view;       /* the sender's view number (failover) */
  rs_op op;
  rs_result res;
  uint32_t n_nodes;
  rs_node_id nodes[RS_MAX_NODES];
  rs_bytes blob;       /* state transfer: an application snapshot */
} rs_msg;

/* True when a message of this type says "everything up to `index`" and carries nothing else
 * (no op, no blob): a host may keep it back for a moment and send only the last of several. */
bool rs_msg_cumulative(rs_msg_type t);
/* True when `newer` says all that `older` says (both cumulative, same type and view, `newer`'s
 * index no lower), so `older` need not be sent. */
bool rs_msg_replaces(const rs_msg *newer, const rs_msg *older);

/* Appends the encoding of `m` to `out`. Returns the number of bytes added. */
size_t rs_msg_encode(const rs_msg *m, GByteArray *out);

/* Decodes exactly `len` bytes into `m`, or fails with a message in `err` (never reads past len).
 * On success every slice in `m` points into `buf`. */
bool rs_msg_decode(const uint8_t *buf, size_t len, rs_msg *m, const char **err);

#endif
