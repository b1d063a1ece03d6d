/* Deep copies of rs_op and rs_result packed into a single allocation each. */
#include "owned.h"

#include <glib.h>
#include <string.h>

/* Copies one slice into the tail of a packed block, keeping NULL slices NULL. */
static rs_bytes pack(char **tail, rs_bytes b)
{
  if (!b.ptr)
    return RS_BYTES_NULL;
  char *dst = *tail;
  if (b.len)
    memcpy(dst, b.ptr, b.len);
  dst[b.len] = '\0';
  *tail += b.len + 1;
  return (rs_bytes){dst, b.len};
}

static size_t packed_size(rs_bytes b)
{
  return b.ptr ? b.len + 1u : 0u;
}

rs_op *rs_op_dup(const rs_op *op)
{
  size_t extra = packed_size(op->key) + packed_size(op->name) + packed_size(op->value) +
                 packed_size(op->expected);
  rs_op *copy = g_malloc(sizeof *copy + extra);
  char *tail = (char *)(copy + 1);
  copy->kind = op->kind;
  copy->key = pack(&tail, op->key);
  copy->name = pack(&tail, op->name);
  copy->value = pack(&tail, op->value);
  copy->expected = pack(&tail, op->expected);
  return copy;
}

rs_result *rs_result_dup(const rs_result *res)
{
  size_t extra = packed_size(res->name) + packed_size(res->value);
  rs_result *copy = g_malloc(sizeof *copy + extra);
  char *tail = (char *)(copy + 1);
  copy->status = res->status;
  copy->version = res->version;
  copy->name = pack(&tail, res->name);
  copy->value = pack(&tail, res->value);
  return copy;
}
