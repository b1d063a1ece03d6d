/* The checker's sequential model of `chat` (seed 003), one account at a time. */
#include "analysis/lin_internal.h"

#include <string.h>

/* An account's state: absent or registered (LIN_LIVE), with the texts of its undelivered
 * messages, oldest first, joined by '|' as a fetch answers them (value id 0: none). Every chat
 * operation touches one account only (a send's sender need not exist), so the history splits by
 * account like any other; a list, which reads them all, is checked as one read per account
 * ("registered" or "absent", lin_chat_lists.c). */
bool lin_chat_has_op(rs_op_kind k)
{
  return k == RS_OP_REGISTER || k == RS_OP_SEND || k == RS_OP_FETCH || k == RS_OP_LIST;
}

lin_state lin_chat_apply(lin_strings *strs, lin_state s, const lin_sop *op, lin_answer *ans)
{
  bool known = lin_kind(s) == LIN_LIVE;
  uint32_t pending = lin_id(s);
  *ans = (lin_answer){RS_ST_SUCCESS, false, 0};
  switch (op->kind) {
  case RS_OP_REGISTER:
    if (known) {
      ans->status = RS_ST_USER_EXISTS;
      return s;
    }
    return lin_mk(LIN_LIVE, 0);
  case RS_OP_SEND:
    if (!known) {
      ans->status = RS_ST_USER_DOES_NOT_EXIST;
      return s;
    }
    if (pending == 0)
      return lin_mk(LIN_LIVE, op->arg ? op->arg : lin_intern(strs, ""));
    {
      const char *text = lin_string(strs, op->arg);
      return lin_mk(LIN_LIVE, lin_intern_take(strs, g_strconcat(lin_string(strs, pending), "|",
                                                                text ? text : "", NULL)));
    }
  case RS_OP_LIST: /* a list projected onto this account: is it registered? */
    *ans = (lin_answer){RS_ST_SUCCESS, true, lin_intern(strs, known ? "registered" : "absent")};
    return s;
  case RS_OP_FETCH:
    if (!known) {
      ans->status = RS_ST_USER_DOES_NOT_EXIST;
      return s;
    }
    *ans = (lin_answer){RS_ST_SUCCESS, true, pending ? pending : lin_intern(strs, "")};
    return lin_mk(LIN_LIVE, 0);
  default:
    return s;
  }
}

void lin_chat_describe(const lin_strings *strs, lin_state s, GString *out)
{
  if (lin_kind(s) != LIN_LIVE) {
    g_string_append(out, "no such account");
    return;
  }
  g_string_append(out, "registered, undelivered ");
  lin_show_value(out, lin_id(s) ? lin_string(strs, lin_id(s)) : "");
}
