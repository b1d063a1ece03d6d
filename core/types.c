/* Names and small helpers for the value types of types.h. */
#include "types.h"

#include <string.h>

static const char *const op_names[RS_OP__COUNT] = {
    [RS_OP_NONE] = "none",     [RS_OP_WRITE] = "write",   [RS_OP_READ] = "read",
    [RS_OP_DELETE] = "delete", [RS_OP_PUT] = "put",       [RS_OP_GET] = "get",
    [RS_OP_APPEND] = "append", [RS_OP_CAS] = "cas",
    [RS_OP_OPEN] = "open",     [RS_OP_VOTE] = "vote",     [RS_OP_CLOSE] = "close",
    [RS_OP_RESULT] = "result", [RS_OP_REGISTER] = "register",
    [RS_OP_SEND] = "send",     [RS_OP_FETCH] = "fetch",   [RS_OP_LIST] = "list",
};

static const char *const status_names[RS_ST__COUNT] = {
    [RS_ST_NONE] = "NONE",
    [RS_ST_SUCCESS] = "SUCCESS",
    [RS_ST_FILE_DOES_NOT_EXIST] = "FILE DOES NOT EXIST",
    [RS_ST_FILE_ALREADY_DELETED] = "FILE ALREADY DELETED",
    [RS_ST_FILE_SAME_NAME_EXISTS] = "FILE WITH THE SAME NAME ALREADY EXISTS",
    [RS_ST_DELETED_FILE_CANNOT_BE_UPDATED] = "DELETED FILE CANNOT BE UPDATED",
    [RS_ST_CAS_MISMATCH] = "CAS MISMATCH",
    [RS_ST_NOT_PRIMARY] = "NOT PRIMARY",
    [RS_ST_NO_QUORUM] = "NO QUORUM",
    [RS_ST_TIMEOUT] = "TIMEOUT",
    [RS_ST_BAD_REQUEST] = "BAD REQUEST",
    [RS_ST_CLIENT_CRASHED] = "CLIENT CRASHED",
    [RS_ST_BALLOT_CLOSED] = "BALLOT CLOSED",
    [RS_ST_USER_EXISTS] = "USER EXISTS",
    [RS_ST_USER_DOES_NOT_EXIST] = "USER DOES NOT EXIST",
};

rs_bytes rs_bytes_str(const char *s)
{
  rs_bytes b = {s, s ? (uint32_t)strlen(s) : 0};
  return b;
}

bool rs_bytes_eq(rs_bytes a, rs_bytes b)
{
  if ((a.ptr == NULL) != (b.ptr == NULL))
    return false;
  return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

bool rs_bytes_eq_str(rs_bytes a, const char *s)
{
  return rs_bytes_eq(a, rs_bytes_str(s));
}

const char *rs_op_name(rs_op_kind k)
{
  return k < RS_OP__COUNT ? op_names[k] : "none";
}

rs_op_kind rs_op_parse(const char *name)
{
  /* The first byte settles most names: the checker parses every operation of a history. */
  for (int k = RS_OP_WRITE; k < RS_OP__COUNT; k++)
    if (op_names[k][0] == name[0] && strcmp(op_names[k], name) == 0)
      return (rs_op_kind)k;
  return RS_OP_NONE;
}

bool rs_op_is_update(rs_op_kind k)
{
  return k == RS_OP_WRITE || k == RS_OP_DELETE || k == RS_OP_PUT || k == RS_OP_APPEND || k == RS_OP_CAS ||
         k == RS_OP_OPEN || k == RS_OP_VOTE || k == RS_OP_CLOSE || k == RS_OP_REGISTER || k == RS_OP_SEND ||
         k == RS_OP_FETCH;
}

bool rs_op_answers_value(rs_op_kind k)
{
  return k == RS_OP_READ || k == RS_OP_GET || k == RS_OP_FETCH || k == RS_OP_LIST || k == RS_OP_RESULT;
}

const char *rs_status_name(rs_status s)
{
  return s < RS_ST__COUNT ? status_names[s] : "NONE";
}

rs_status rs_status_parse(const char *name)
{
  for (int s = RS_ST_SUCCESS; s < RS_ST__COUNT; s++)
    if (strcmp(status_names[s], name) == 0)
      return (rs_status)s;
  return RS_ST_NONE;
}
