/* Plain value types shared by every core module: byte slices, operations, results, status codes. */
#ifndef RS_TYPES_H
#define RS_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A node is named by a small integer chosen by the host; the host maps it to a name. */
typedef uint32_t rs_node_id;
#define RS_NO_NODE UINT32_MAX

/* A borrowed byte string: not NUL-terminated, valid only as long as its owner says. */
typedef struct rs_bytes {
  const char *ptr;
  uint32_t len;
} rs_bytes;

#define RS_BYTES_NULL ((rs_bytes){NULL, 0})
rs_bytes rs_bytes_str(const char *s);
bool rs_bytes_eq(rs_bytes a, rs_bytes b);
bool rs_bytes_eq_str(rs_bytes a, const char *s);

/* Client operations of both applications (files: write/read/delete; kv: put/get/append/cas). */
typedef enum rs_op_kind {
  RS_OP_NONE = 0,
  RS_OP_WRITE,
  RS_OP_READ,
  RS_OP_DELETE,
  RS_OP_PUT,
  RS_OP_GET,
  RS_OP_APPEND,
  RS_OP_CAS,
  RS_OP_OPEN,   /* votes (seed 002): a server opens a ballot */
  RS_OP_VOTE,   /* votes: a voter's yes or no */
  RS_OP_CLOSE,  /* votes: a server closes a ballot and fixes its result */
  RS_OP_RESULT, /* votes: a ballot's result as a voter received it (a read) */
  RS_OP_REGISTER, /* chat (seed 003): key = username, value = password */
  RS_OP_SEND,     /* chat: key = recipient, name = sender, value = text, expected = instant flag and
                   * the leader's timestamp (core/apps/chat.h) */
  RS_OP_FETCH,    /* chat: key = user; an update: it marks what it answers delivered */
  RS_OP_LIST,     /* chat: the accounts (key empty); a pure read */
  RS_OP__COUNT
} rs_op_kind;

const char *rs_op_name(rs_op_kind k);         /* "write", "read", ... as in the trace */
rs_op_kind rs_op_parse(const char *name);      /* RS_OP_NONE when unknown */
bool rs_op_is_update(rs_op_kind k);            /* changes state when it succeeds */
/* Its answer carries a value the client wants (a read, a get, a chat fetch or list). */
bool rs_op_answers_value(rs_op_kind k);

typedef struct rs_op {
  uint8_t kind;      /* rs_op_kind */
  rs_bytes key;      /* files: the uuid; kv: the key */
  rs_bytes name;     /* files: the filename */
  rs_bytes value;    /* files: the content; kv: value put, appended or set by cas */
  rs_bytes expected; /* kv cas: the value expected */
} rs_op;

/* Every answer a replica or the service can give. The first ones are seed 004's exact outcomes. */
typedef enum rs_status {
  RS_ST_NONE = 0,
  RS_ST_SUCCESS,
  RS_ST_FILE_DOES_NOT_EXIST,
  RS_ST_FILE_ALREADY_DELETED,
  RS_ST_FILE_SAME_NAME_EXISTS,
  RS_ST_DELETED_FILE_CANNOT_BE_UPDATED,
  RS_ST_CAS_MISMATCH,
  RS_ST_NOT_PRIMARY,   /* refused: the replica is not (or no longer) the primary */
  RS_ST_NO_QUORUM,     /* refused: not enough live replicas to form a quorum */
  RS_ST_TIMEOUT,       /* no answer in time: the outcome is unknown */
  RS_ST_BAD_REQUEST,   /* an operation the application does not know */
  RS_ST_CLIENT_CRASHED, /* the client crashed with the operation under way: the outcome is unknown */
  RS_ST_BALLOT_CLOSED, /* votes: the ballot closed before this vote reached the primary */
  RS_ST_USER_EXISTS,   /* chat: register of a username already taken */
  RS_ST_USER_DOES_NOT_EXIST, /* chat: send to, or fetch of, a username nobody registered */
  RS_ST__COUNT
} rs_status;

const char *rs_status_name(rs_status s);       /* "SUCCESS", "FILE DOES NOT EXIST", ... */
rs_status rs_status_parse(const char *name);   /* RS_ST_NONE when unknown */

/* An application's answer to one operation. Slices point into application or message memory. */
typedef struct rs_result {
  uint8_t status;   /* rs_status */
  uint64_t version; /* version of the entry the answer is about (0: none) */
  rs_bytes name;    /* files read: the filename */
  rs_bytes value;   /* read/get: the value; absent (ptr NULL) means null */
} rs_result;

#endif
