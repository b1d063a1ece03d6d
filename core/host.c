/* Names for the host interface's enums. */
#include "host.h"

const char *rs_outcome_name(rs_outcome o)
{
  switch (o) {
  case RS_OUT_OK:
    return "ok";
  case RS_OUT_FAIL:
    return "fail";
  default:
    return "info";
  }
}
