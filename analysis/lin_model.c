/* The checker's values and sequential models: what files and kv answer, one op at a time. */
#include "analysis/lin_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- Values ------------------------------------------------------------------------------- */

void lin_strings_init(lin_strings *s)
{
  s->ids = g_hash_table_new(g_str_hash, g_str_equal);
  s->strs = g_ptr_array_new_with_free_func(g_free);
  s->bytes = 0;
  g_ptr_array_add(s->strs, NULL);
}

void lin_strings_clear(lin_strings *s)
{
  g_hash_table_destroy(s->ids);
  g_ptr_array_free(s->strs, TRUE);
}

/* Names `owned` (taken over, freed if already known). O(length) for the hash. */
uint32_t lin_intern_take(lin_strings *s, char *owned)
{
  if (!owned)
    return 0;
  gpointer id;
  if (g_hash_table_lookup_extended(s->ids, owned, NULL, &id)) {
    g_free(owned);
    return GPOINTER_TO_UINT(id);
  }
  uint32_t fresh = s->strs->len;
  s->bytes += strlen(owned) + 1;
  g_ptr_array_add(s->strs, owned);
  g_hash_table_insert(s->ids, owned, GUINT_TO_POINTER(fresh));
  return fresh;
}

uint32_t lin_intern(lin_strings *s, const char *str)
{
  return str ? lin_intern_take(s, g_strdup(str)) : 0;
}

const char *lin_string(const lin_strings *s, uint32_t id)
{
  return id ? s->strs->pdata[id] : NULL;
}

/* Appends a value to a report, quoted and escaped, cut at LIN_SHOW_CHARS bytes. */
void lin_show_value(GString *out, const char *v)
{
  if (!v) {
    g_string_append(out, "null");
    return;
  }
  size_t len = strlen(v);
  char *cut = g_strndup(v, len > LIN_SHOW_CHARS ? LIN_SHOW_CHARS : len);
  char *esc = g_strescape(cut, NULL);
  g_string_append_printf(out, "\"%s%s\"", esc, len > LIN_SHOW_CHARS ? "..." : "");
  g_free(esc);
  g_free(cut);
}

/* ---- Operations as the search sees them --------------------------------------------------- */

bool lin_is_read(rs_op_kind k)
{
  return k == RS_OP_READ || k == RS_OP_GET || k == RS_OP_RESULT || k == RS_OP_LIST;
}

/* Decides what the search must do with one operation (see the top of the file). */
lin_role lin_classify(const hist_op *o, rs_op_kind kind)
{
  bool unknown = o->outcome == HIST_INFO || o->outcome == HIST_PENDING;
  /* A chat list as written reads every account: it is checked as its projections onto each
   * account (lin_chat_lists.c), so the list itself, under its key "*", is dropped. */
  if (o->outcome == HIST_FAIL || (kind == RS_OP_LIST && g_strcmp0(o->key, "*") == 0))
    return LIN_DROP;
  if (o->outcome == HIST_OK && o->status) {
    rs_status st = rs_status_parse(o->status);
    if (st == RS_ST_FILE_SAME_NAME_EXISTS || st == RS_ST_NOT_PRIMARY || st == RS_ST_NO_QUORUM ||
        st == RS_ST_BAD_REQUEST)
      return LIN_DROP;
    unknown = st == RS_ST_TIMEOUT;
  }
  if (unknown)
    return lin_is_read(kind) ? LIN_DROP : LIN_UNCHECKED;
  return LIN_CHECKED;
}

/* Builds the search's view of one kept operation, naming its values in `strs`. */
lin_sop lin_sop_make(const hist_op *o, rs_op_kind kind, lin_role role, lin_strings *strs)
{
  lin_sop s = {.h = o, .kind = (uint8_t)kind, .checked = role == LIN_CHECKED};
  s.status = o->status ? (int)rs_status_parse(o->status) : LIN_NO_STATUS;
  /* A votes result closes its ballot the first time (lin_votes_apply): not pure. */
  s.pure = s.checked && ((lin_is_read(kind) && kind != RS_OP_RESULT) || s.status == RS_ST_FILE_DOES_NOT_EXIST ||
                         s.status == RS_ST_FILE_ALREADY_DELETED || s.status == RS_ST_CAS_MISMATCH ||
                         s.status == RS_ST_DELETED_FILE_CANNOT_BE_UPDATED || s.status == RS_ST_USER_EXISTS ||
                         s.status == RS_ST_USER_DOES_NOT_EXIST);
  if (lin_is_read(kind) || kind == RS_OP_FETCH) /* a fetch answers texts, as a read does */
    s.out = o->value_null ? 0 : lin_intern(strs, o->value);
  else
    s.arg = lin_intern(strs, o->value);
  s.expected = lin_intern(strs, o->expected);
  s.t_call = o->t_invoke;
  s.t_ret = s.checked ? fmax(o->t_complete, o->t_invoke) : INFINITY;
  return s;
}

/* ---- Sequential models -------------------------------------------------------------------- */

static bool lin_files_has_op(rs_op_kind k)
{
  return k == RS_OP_READ || k == RS_OP_WRITE || k == RS_OP_DELETE;
}

/* Seed 004's outcomes for one uuid: absent, live (with its content) or deleted (a tombstone). */
static lin_state lin_files_apply(lin_strings *strs, lin_state s, const lin_sop *op, lin_answer *ans)
{
  (void)strs;
  uint32_t k = lin_kind(s);
  int gone = k == LIN_ABSENT ? RS_ST_FILE_DOES_NOT_EXIST : RS_ST_FILE_ALREADY_DELETED;
  *ans = (lin_answer){RS_ST_SUCCESS, false, 0};
  switch (op->kind) {
  case RS_OP_READ:
    if (k == LIN_LIVE)
      *ans = (lin_answer){RS_ST_SUCCESS, true, lin_id(s)};
    else
      ans->status = gone;
    return s;
  case RS_OP_WRITE:
    if (k == LIN_DELETED) {
      ans->status = RS_ST_DELETED_FILE_CANNOT_BE_UPDATED;
      return s;
    }
    return lin_mk(LIN_LIVE, op->arg);
  case RS_OP_DELETE:
    if (k != LIN_LIVE) {
      ans->status = gone;
      return s;
    }
    return lin_mk(LIN_DELETED, 0);
  default:
    return s;
  }
}

/* Seed 004's quorum replicas differ in one outcome: deleting an unknown uuid leaves a tombstone
 * and answers SUCCESS (so the file is surely deleted on a write quorum). */
static lin_state lin_files_quorum_apply(lin_strings *strs, lin_state s, const lin_sop *op,
                                        lin_answer *ans)
{
  if (op->kind == RS_OP_DELETE && lin_kind(s) == LIN_ABSENT) {
    *ans = (lin_answer){RS_ST_SUCCESS, false, 0};
    return lin_mk(LIN_DELETED, 0);
  }
  return lin_files_apply(strs, s, op, ans);
}

static void lin_files_describe(const lin_strings *strs, lin_state s, GString *out)
{
  if (lin_kind(s) == LIN_LIVE) {
    g_string_append(out, "live ");
    lin_show_value(out, lin_string(strs, lin_id(s)));
  } else {
    g_string_append(out, lin_kind(s) == LIN_DELETED ? "deleted" : "absent");
  }
}

static bool lin_kv_has_op(rs_op_kind k)
{
  return k == RS_OP_PUT || k == RS_OP_GET || k == RS_OP_APPEND || k == RS_OP_CAS;
}

/* Concatenates two values and names the result. O(length): appends make values grow. */
static uint32_t lin_concat(lin_strings *strs, uint32_t a, uint32_t b)
{
  const char *sa = lin_string(strs, a), *sb = lin_string(strs, b);
  return lin_intern_take(strs, g_strconcat(sa ? sa : "", sb ? sb : "", NULL));
}

/* A register with append and compare-and-set; value id 0 is an absent key (get answers null). */
static lin_state lin_kv_apply(lin_strings *strs, lin_state s, const lin_sop *op, lin_answer *ans)
{
  uint32_t cur = lin_id(s);
  *ans = (lin_answer){RS_ST_SUCCESS, false, 0};
  switch (op->kind) {
  case RS_OP_PUT:
    return lin_mk(0, op->arg);
  case RS_OP_GET:
    *ans = (lin_answer){RS_ST_SUCCESS, true, cur};
    return s;
  case RS_OP_APPEND:
    return lin_mk(0, lin_concat(strs, cur, op->arg));
  case RS_OP_CAS:
    if (cur != op->expected) {
      ans->status = RS_ST_CAS_MISMATCH;
      return s;
    }
    return lin_mk(0, op->arg);
  default:
    return s;
  }
}

static void lin_kv_describe(const lin_strings *strs, lin_state s, GString *out)
{
  if (lin_id(s) == 0)
    g_string_append(out, "absent (null)");
  else
    lin_show_value(out, lin_string(strs, lin_id(s)));
}

static bool lin_votes_has_op(rs_op_kind k)
{
  return k == RS_OP_VOTE || k == RS_OP_RESULT;
}

/* One ballot (the key) of seed 002's poll: open with its yes and no counts, or closed. A vote
 * counts while it is open (SUCCESS) and is refused once closed (BALLOT CLOSED); a voter's logged
 * result closes it, and every result must be the counts of the votes counted before: so a result
 * that misses an acknowledged vote, or two results that differ (split brain), cannot be placed.
 * State: kind 1 when closed; id = yes << 16 | no (a poll has at most 64 voters). */
static lin_state lin_votes_apply(lin_strings *strs, lin_state s, const lin_sop *op, lin_answer *ans)
{
  bool closed = lin_kind(s) == 1;
  uint32_t yes = lin_id(s) >> 16, no = lin_id(s) & 0xffff;
  *ans = (lin_answer){RS_ST_SUCCESS, false, 0};
  if (op->kind == RS_OP_VOTE) {
    if (closed) {
      ans->status = RS_ST_BALLOT_CLOSED;
      return s;
    }
    /* The servers close a ballot at its deadline, which no history line shows: a vote refused as
     * BALLOT CLOSED while the ballot is open here is that close, placed just before it, and the
     * results logged later must give the counts of that moment (the swarm: under loss a voter's
     * late vote was refused before any voter had logged the result). */
    if (op->status == RS_ST_BALLOT_CLOSED) {
      ans->status = RS_ST_BALLOT_CLOSED;
      return lin_mk(1, lin_id(s));
    }
    const char *v = lin_string(strs, op->arg);
    bool is_yes = v && strcmp(v, "yes") == 0;
    return lin_mk(0, ((yes + is_yes) << 16) | (no + !is_yes));
  }
  if (op->kind == RS_OP_RESULT) {
    *ans = (lin_answer){RS_ST_SUCCESS, true, lin_intern_take(strs, g_strdup_printf("%u %u", yes, no))};
    return lin_mk(1, lin_id(s));
  }
  return s;
}

static void lin_votes_describe(const lin_strings *strs, lin_state s, GString *out)
{
  (void)strs;
  g_string_append_printf(out, "%s, %u yes %u no", lin_kind(s) == 1 ? "closed" : "open", lin_id(s) >> 16,
                         lin_id(s) & 0xffff);
}

static const lin_model lin_models[] = {
    {"votes", lin_votes_has_op, lin_votes_apply, lin_votes_describe},
    {"files", lin_files_has_op, lin_files_apply, lin_files_describe},
    {"files-quorum", lin_files_has_op, lin_files_quorum_apply, lin_files_describe},
    {"kv", lin_kv_has_op, lin_kv_apply, lin_kv_describe},
    {"chat", lin_chat_has_op, lin_chat_apply, lin_chat_describe},
};

const lin_model *lin_model_find(const char *app)
{
  for (size_t i = 0; app && i < G_N_ELEMENTS(lin_models); i++)
    if (strcmp(lin_models[i].name, app) == 0)
      return &lin_models[i];
  return NULL;
}

/* Compares only what the answer carries: its status if it has one, the value of a read. */
static bool lin_answer_matches(const lin_sop *op, const lin_answer *a)
{
  if (op->status != LIN_NO_STATUS && op->status != a->status)
    return false;
  return !a->has_value || a->status != RS_ST_SUCCESS || op->out == a->value;
}

bool lin_step(const lin_model *m, lin_strings *strs, lin_state s, const lin_sop *op,
                     lin_state *next)
{
  lin_answer a;
  *next = m->apply(strs, s, op, &a);
  return !op->checked || lin_answer_matches(op, &a);
}

