/* Owned copies of operations and results, for the moments a node must keep one past a handler. */
#ifndef RS_OWNED_H
#define RS_OWNED_H

#include "types.h"

/* One allocation holds the struct and every string it points to; free with g_free. */
rs_op *rs_op_dup(const rs_op *op);
rs_result *rs_result_dup(const rs_result *res);

#endif
